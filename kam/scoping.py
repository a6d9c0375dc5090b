"""The one place views and viewsets get their objects: always through `Model.objects.visible_to(user)`.

A model that can be reached by id must define `visible_to(user)` on its queryset; an object outside the
user's scope then simply does not exist for the view, so the answer is 404, never 403.
"""

from django.http import Http404


class ScopedQuerysetMixin:
    """For class-based views: `get_queryset()` is the user's scope of `model` (or of `queryset`'s model)."""

    model = None

    def get_scoped_queryset(self):
        return self.model.objects.visible_to(self.request.user)

    def get_queryset(self):
        return self.get_scoped_queryset()


def get_visible_or_404(model, user, **lookup):
    """For code outside a class-based view (htmx fragments, actions)."""
    try:
        return model.objects.visible_to(user).get(**lookup)
    except (model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404(f"No {model._meta.verbose_name} matches the given query.") from exc


class ScopedObjectMixin(ScopedQuerysetMixin):
    """For views that act on one object (edit, actions, htmx fragments).

    The object is fetched from the user's scope before the HTTP method is even looked at, so an outsider gets
    the same 404 for GET, POST or anything else, and the handlers find it ready in `self.object`.
    """

    pk_url_kwarg = "pk"

    def dispatch(self, request, *args, **kwargs):
        self.object = self.get_object()
        return super().dispatch(request, *args, **kwargs)

    def get_object(self, queryset=None):
        queryset = self.get_queryset() if queryset is None else queryset
        try:
            return queryset.get(pk=self.kwargs[self.pk_url_kwarg])
        except (queryset.model.DoesNotExist, ValueError, TypeError) as exc:
            raise Http404(f"No {queryset.model._meta.verbose_name} matches the given query.") from exc
