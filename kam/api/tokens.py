"""Token rules on top of simplejwt: a refresh token dies with the password it was issued under.

simplejwt (CHECK_REVOKE_TOKEN) already refuses an *access* token whose password digest no longer matches the
user's; its refresh serializer does not look, so a refresh token would keep minting access tokens after a
password change or reset. Here it does, before rotating (which revokes the token used and returns a new one).
"""

from django.contrib.auth import get_user_model
from rest_framework_simplejwt.exceptions import AuthenticationFailed
from rest_framework_simplejwt.serializers import TokenRefreshSerializer as BaseRefreshSerializer
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.utils import get_md5_hash_password


class TokenRefreshSerializer(BaseRefreshSerializer):
    def validate(self, attrs):
        refresh = RefreshToken(attrs["refresh"])
        user = (
            get_user_model()
            .objects.filter(**{api_settings.USER_ID_FIELD: refresh.payload.get(api_settings.USER_ID_CLAIM)})
            .first()
        )
        if user is None or not user.is_active:
            raise AuthenticationFailed("No active account found for the given token.", "no_active_account")
        if refresh.payload.get(api_settings.REVOKE_TOKEN_CLAIM) != get_md5_hash_password(user.password):
            # Revoked for good, so the answer stays the same once the old password is forgotten.
            refresh.blacklist()
            raise AuthenticationFailed("The password has changed since this token was issued.", "password_changed")
        return super().validate(attrs)
