"""Fixtures shared by every app's tests."""

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _empty_cache():
    """Formatted references and handouts are cached; each test starts cold."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def staff_client(client, django_user_model):
    """A logged-in editor (staff, no special permissions)."""
    user = django_user_model.objects.create_user("editor", "editor@example.com", "pw", is_staff=True)
    client.force_login(user)
    return client
