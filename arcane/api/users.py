"""Accounts: sign-up, own profile, public profiles."""

from flask.views import MethodView
from flask_jwt_extended import get_current_user

from arcane import rate_limits
from arcane.schemas.users import (
    PasswordChangeSchema,
    UserCreateSchema,
    UserPrivateSchema,
    UserPublicSchema,
    UserUpdateSchema,
)
from arcane.services import users
from arcane.smorest import LOCATION_HEADER, Blueprint

blp = Blueprint("users", __name__, url_prefix="/api/v1/users", description="Accounts and personal details.")


@blp.route("")
class Users(MethodView):
    @blp.arguments(UserCreateSchema)
    @blp.response(201, UserPrivateSchema, headers=LOCATION_HEADER)
    @blp.alt_response(409, response="CONFLICT")
    @blp.alt_response(429, response="TOO_MANY_REQUESTS")
    @blp.location("users.UserById", user_id="id")
    @blp.doc(operationId="signUp")
    def post(self, new_user):
        """Sign up"""
        rate_limits.count_sign_up()
        return users.create_user(**new_user)


@blp.route("/me")
class CurrentUser(MethodView):
    @blp.login_required
    @blp.response(200, UserPrivateSchema)
    def get(self):
        """Read your own account"""
        return get_current_user()

    @blp.login_required
    @blp.arguments(UserUpdateSchema)
    @blp.response(200, UserPrivateSchema)
    def patch(self, changes):
        """Change your personal details (first name, last name, birth date)"""
        return users.update_profile(get_current_user(), changes)

    @blp.login_required
    @blp.response(204)
    def delete(self):
        """Delete your account, and with it all your listings

        Every token issued for the account stops working, and every property it owns is deleted.
        """
        users.delete_user(get_current_user())


@blp.route("/me/password")
class CurrentUserPassword(MethodView):
    @blp.login_required
    @blp.arguments(PasswordChangeSchema)
    @blp.response(204)
    @blp.alt_response(429, response="TOO_MANY_REQUESTS")
    @blp.doc(operationId="changePassword")
    def put(self, passwords):
        """Change your password; every token issued before stops working"""
        user = get_current_user()
        with rate_limits.password_change_attempt(str(user.id)):
            users.change_password(user, passwords["current_password"], passwords["new_password"])


@blp.route("/<objectid:user_id>")
class UserById(MethodView):
    @blp.response(200, UserPublicSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, user_id):
        """Read a user's public profile"""
        return users.get_user(user_id)
