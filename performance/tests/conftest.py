import pytest


@pytest.fixture(autouse=True)
def _forget_celery_state():
    """Leave Celery as we found it: an eager task caches a disabled result backend and a producer pool on the app
    (thread-local), and a later test's real worker would otherwise publish to memory:// and fail to read results."""
    from kam.celery import app

    yield
    vars(app._local).pop("backend", None)
    app._pool = None
    if "amqp" in app.__dict__:
        app.amqp._producer_pool = None
