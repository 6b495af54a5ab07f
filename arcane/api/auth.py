"""Tokens: sign in, refresh, sign out."""

from flask.views import MethodView
from flask_jwt_extended import get_current_user

from arcane import rate_limits, security
from arcane.schemas.auth import AccessTokenSchema, TokenPairSchema, TokenRequestSchema
from arcane.services import users
from arcane.smorest import UNAUTHORIZED_RESPONSE, Blueprint

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="Bearer tokens (JWT).")


@blp.route("/token")
class Token(MethodView):
    @blp.arguments(TokenRequestSchema)
    @blp.response(200, TokenPairSchema)
    @blp.alt_response(401, response=UNAUTHORIZED_RESPONSE)
    @blp.alt_response(429, response="TOO_MANY_REQUESTS")
    @blp.doc(operationId="signIn")
    def post(self, credentials):
        """Sign in: exchange email and password for an access and a refresh token"""
        with rate_limits.sign_in_attempt(credentials["email"]):
            user = users.authenticate(credentials["email"], credentials["password"])
        return security.issue_token_pair(user)


@blp.route("/refresh")
class TokenRefresh(MethodView):
    @blp.login_required(refresh=True)
    @blp.response(200, AccessTokenSchema)
    @blp.doc(operationId="refreshToken")
    def post(self):
        """Get a new access token with a refresh token (in the same session)"""
        return security.refresh_access_token(get_current_user())


@blp.route("/logout")
class Logout(MethodView):
    @blp.login_required(any_token=True)
    @blp.response(204)
    @blp.doc(operationId="signOut")
    def post(self):
        """Sign out: end the session, revoking its access and refresh tokens (either may be presented)"""
        security.end_current_session()
