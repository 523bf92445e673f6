"""Fixtures shared by every app's tests."""

import pytest
from django.core.cache import cache
from django.test import override_settings

TEST_SETTINGS = {
    # Tasks run as they are enqueued, inside the test's transaction.
    "TASKS": {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}},
    # Logging users in is not what these tests measure.
    "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
}


@pytest.fixture(autouse=True, scope="session")
def _test_settings():
    with override_settings(**TEST_SETTINGS):
        yield


@pytest.fixture(autouse=True)
def _empty_cache():
    """Formatted references and handouts are cached; each test starts cold."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def staff_client(client, django_user_model):
    """A logged-in staff user who may view articles and nutrients, so may preview unpublished ones."""
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user("editor", "editor@example.com", "pw", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=["view_article", "view_nutrient"]))
    client.force_login(user)
    return client
