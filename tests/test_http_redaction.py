"""sync.http.Redactor: secret keys, secret headers and known secret values are hidden."""
import json

from sync.http import REDACTED, Redactor


def test_it_hides_secret_headers_but_keeps_rate_limit_headers():
    headers = Redactor().headers({"Authorization": "Bearer x", "X-Auth-Token": "t", "Cookie": "c",
                                  "Set-Cookie": "s", "X-Rate-Limit-Requests-Left": "3", "Content-Type": "json"})
    assert headers == {"Authorization": REDACTED, "X-Auth-Token": REDACTED, "Cookie": REDACTED,
                       "Set-Cookie": REDACTED, "X-Rate-Limit-Requests-Left": "3", "Content-Type": "json"}


def test_it_hides_secret_keys_in_nested_json_and_hook_headers():
    body = json.dumps({"name": "admin", "password": "pw", "nested": [{"refresh_token": "r", "sku": "A"}],
                       "headers": {"X-Anything": "v"}, "client_secret": "", "amount": 5})
    assert json.loads(Redactor().body(body)) == {
        "name": "admin", "password": REDACTED, "nested": [{"refresh_token": REDACTED, "sku": "A"}],
        "headers": REDACTED, "client_secret": "", "amount": 5}


def test_it_hides_secret_form_fields():
    body = "grant_type=refresh_token&refresh_token=abc&client_id=id%40Co&client_secret=zzz"
    assert Redactor().body(body, "application/x-www-form-urlencoded") == \
        "grant_type=refresh_token&refresh_token=[redacted]&client_id=id%40Co&client_secret=[redacted]"


def test_it_hides_known_secret_values_anywhere():
    redactor = Redactor(["a-long-secret-value"])
    assert redactor.text("echo: a-long-secret-value!") == "echo: [redacted]!"
    assert redactor.body("plain a-long-secret-value") == "plain [redacted]"
    assert redactor.url("https://x.example/p?q=a-long-secret-value&access_token=zz") == \
        "https://x.example/p?q=[redacted]&access_token=[redacted]"


def test_it_caps_long_bodies():
    assert len(Redactor().body("x" * 50_000)) < 20_100


def test_it_hides_percent_encoded_and_json_escaped_forms_of_a_secret():
    redactor = Redactor(['p@ss word/1!"'])
    assert redactor.text("password=p%40ss+word%2F1%21%22 sent") == "password=[redacted] sent"
    assert redactor.text('{"echo": "p@ss word/1!\\""}') == '{"echo": "[redacted]"}'
