"""Login throttling (django-axes) on the admin and the merchant login: a burst of wrong passwords
locks that user name from that address, and even the right password does not get in meanwhile."""
import pytest
from django.contrib.auth import get_user_model
from django.test import Client


@pytest.fixture
def people(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # the count matters, not the hash
    users = get_user_model().objects
    return (users.create_superuser("root", "root@example.com", "right-password-1"),
            users.create_user("shop", "shop@example.com", "right-password-2"))


def login(client: Client, url: str, username: str, password: str):
    return client.post(url, {"username": username, "password": password, "next": "/"})


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.parametrize("url, username, password", [
    ("/admin/login/", "root", "right-password-1"), ("/accounts/login/", "shop", "right-password-2")])
def test_a_burst_of_wrong_passwords_locks_the_login(people, url, username, password):
    """The audit's attack: 30 wrong admin passwords in a few seconds, then the right one."""
    client = Client()
    statuses = [login(client, url, username, f"guess-{n}").status_code for n in range(30)]
    assert statuses[:4] == [200] * 4 and set(statuses[4:]) == {429}  # the 5th failure locks (LOGIN_FAILURE_LIMIT)
    locked = login(client, url, username, password)
    assert locked.status_code == 429 and "Too many failed logins" in locked.content.decode()
    assert not signed_in(client)


def test_a_success_resets_the_count_and_other_names_are_not_locked(people):
    client = Client()
    for _ in range(4):
        login(client, "/accounts/login/", "shop", "wrong")
    assert login(client, "/accounts/login/", "shop", "right-password-2").status_code == 302 and signed_in(client)
    client = Client()
    for _ in range(4):
        assert login(client, "/accounts/login/", "shop", "wrong").status_code == 200
    for _ in range(6):
        login(client, "/accounts/login/", "someone-else", "wrong")
    assert login(client, "/accounts/login/", "shop", "right-password-2").status_code == 302
