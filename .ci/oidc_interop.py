#!/usr/bin/env python3
"""Interoperability: a full OpenID Connect sign-in driven by a real relying-party library.

Authlib (PyPI), unchanged, talks to a running `yiwang demo`: discovery, the authorization
request with PKCE (S256) and a nonce, the code exchange, ID-token verification against the
published JWKS (signature, issuer, audience, expiry, nonce, at_hash) for an RS256 and an ES256
client, userinfo, refresh-token rotation (and the replay of a spent token refused), token
introspection and revocation, single sign-on to a second client without a password, and
RP-initiated logout. A `requests` session plays the person's browser: it follows the sign-in
page like a person would, posting the form.

Usage: oidc_interop.py path/to/yiwang   (prints "oidc interop: N passed, M failed")
"""

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse

import warnings

import requests

warnings.filterwarnings("ignore", module="authlib")  # authlib.jose's notice about joserfc
from authlib.integrations.requests_client import OAuth2Session
from authlib.common.security import generate_token
from authlib.jose import JsonWebKey, jwt
from authlib.oidc.core import CodeIDToken

BINARY = sys.argv[1] if len(sys.argv) > 1 else "target/debug/yiwang"
PASSWORD = "interop-demo-password"
CITIZEN = "13908900001"
RESULTS = {"passed": 0, "failed": 0}


def check(ok, what):
    RESULTS["passed" if ok else "failed"] += 1
    print(f"  {'ok  ' if ok else 'FAIL'} {what}")
    return ok


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url, limit=60):
    for _ in range(limit * 4):
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return True
        except requests.RequestException:
            pass
        time.sleep(0.25)
    return False


def register(data, client_id, alg, extra=()):
    """Registers a client with the CLI an administrator uses; returns its secret."""
    out = subprocess.run(
        [BINARY, "client", "add", client_id, "--name-zh", f"{client_id} 互通测试",
         "--redirect-uri", f"http://127.0.0.1:9/{client_id}/cb",
         "--post-logout-redirect-uri", f"http://127.0.0.1:9/{client_id}/bye",
         "--scopes", "openid profile offline_access", "--first-party",
         "--grants", "authorization_code,refresh_token,client_credentials",
         "--id-token-alg", alg, "--database-url", f"sqlite://{data}/yiwang.db", *extra],
        capture_output=True, text=True, env=dict(os.environ, YIWANG_LOG="warn"))
    if not check(out.returncode == 0, f"`yiwang client add {client_id}` registers the client"):
        print(out.stdout, out.stderr)
        return None
    return out.stdout.rsplit("shown once: ", 1)[-1].strip()


def follow_to_callback(browser, url, site, sign_in=True):
    """Plays the browser from the authorization URL to the client's callback, signing in on
    Yiwang's page when sent there. Returns (callback URL, whether a password was asked)."""
    asked = False
    for _ in range(6):
        res = browser.get(url, allow_redirects=False)
        if res.status_code not in (302, 303, 307):
            raise RuntimeError(f"{url} answered {res.status_code}: {res.text[:300]}")
        url = urllib.parse.urljoin(site, res.headers["location"])
        if url.startswith("http://127.0.0.1:9/"):
            return url, asked
        if urllib.parse.urlparse(url).path == "/signin":
            if not sign_in:
                raise RuntimeError("a password was asked for")
            asked = True
            nxt = urllib.parse.parse_qs(urllib.parse.urlparse(url).query)["next"][0]
            res = browser.post(f"{site}/signin", data={"account": CITIZEN, "password": PASSWORD, "next": nxt},
                               allow_redirects=False)
            url = urllib.parse.urljoin(site, res.headers["location"])
    raise RuntimeError("too many redirects")


def sign_in(conf, client_id, secret, browser, site, sign_in=True):
    """One whole authorization-code flow with Authlib; returns (session, token, claims, asked)."""
    # No offline_access: these refresh tokens live only as long as the sign-in session.
    client = OAuth2Session(client_id, secret, scope="openid profile",
                           redirect_uri=f"http://127.0.0.1:9/{client_id}/cb",
                           code_challenge_method="S256", token_endpoint_auth_method="client_secret_basic")
    verifier = generate_token(64)
    nonce = generate_token(20)
    uri, state = client.create_authorization_url(conf["authorization_endpoint"], code_verifier=verifier, nonce=nonce)
    callback, asked = follow_to_callback(browser, uri, site, sign_in)
    token = client.fetch_token(conf["token_endpoint"], authorization_response=callback, code_verifier=verifier, state=state)
    jwks = JsonWebKey.import_key_set(requests.get(conf["jwks_uri"]).json())
    claims = jwt.decode(token["id_token"], jwks, claims_cls=CodeIDToken,
                        claims_options={"iss": {"essential": True, "value": conf["issuer"]}},
                        claims_params={"nonce": nonce, "client_id": client_id, "access_token": token["access_token"]})
    claims.validate(leeway=30)
    return client, token, claims, asked


def main():
    data = tempfile.mkdtemp(prefix="yiwang-oidc-")
    port = free_port()
    site = f"http://127.0.0.1:{port}"
    env = dict(os.environ, YIWANG_LOG="warn", YIWANG_ADMIN_PASSWORD=PASSWORD)
    app = subprocess.Popen([BINARY, "demo", "--data", data, "--listen", f"127.0.0.1:{port}"], env=env,
                           stdout=subprocess.DEVNULL)
    try:
        if not check(wait_http(f"{site}/healthz"), "the demo starts"):
            return
        conf = requests.get(f"{site}/.well-known/openid-configuration").json()
        check(conf["issuer"] == site, f"discovery names the issuer {conf['issuer']}")
        rs_secret = register(data, "interop-rs", "RS256")
        es_secret = register(data, "interop-es", "ES256")
        if not (rs_secret and es_secret):
            return
        browser = requests.Session()

        print("authorization code with PKCE, RS256 ID token (Authlib)")
        client, token, claims, asked = sign_in(conf, "interop-rs", rs_secret, browser, site)
        check(asked, "the person was sent to Yiwang's sign-in page and signed in")
        header = jwt.decode(token["id_token"], JsonWebKey.import_key_set(requests.get(conf["jwks_uri"]).json())).header
        check(header["alg"] == "RS256", "the ID token verifies with the JWKS: RS256")
        check(claims["acr"] == "urn:yiwang:acr:l2", f"acr is the real-name level ({claims['acr']})")
        check(claims.get("name") == "扎西顿珠", "the profile name is a claim")

        info = client.get(conf["userinfo_endpoint"]).json()
        check(info.get("sub") == claims["sub"] and info.get("name") == "扎西顿珠", "userinfo answers for the same sub")

        print("refresh rotation")
        first = token["refresh_token"]
        fresh = client.refresh_token(conf["token_endpoint"], refresh_token=first)
        check(fresh["refresh_token"] != first, "refreshing gives a new refresh token")
        replay = requests.post(conf["token_endpoint"], data={"grant_type": "refresh_token", "refresh_token": first},
                               auth=("interop-rs", rs_secret))
        check(replay.status_code == 400 and replay.json().get("error") == "invalid_grant",
              "the spent refresh token is refused (invalid_grant)")

        print("single sign-on to a second client, ES256 ID token")
        _, token_es, claims_es, asked = sign_in(conf, "interop-es", es_secret, browser, site, sign_in=False)
        check(not asked, "the second client got its code without a password prompt")
        check(claims_es["sub"] == claims["sub"], "one person, one sub")
        header = jwt.decode(token_es["id_token"], JsonWebKey.import_key_set(requests.get(conf["jwks_uri"]).json())).header
        check(header["alg"] == "ES256", "the second client's ID token verifies: ES256")

        print("client credentials, introspection, revocation")
        system = OAuth2Session("interop-rs", rs_secret, token_endpoint_auth_method="client_secret_basic")
        cc = system.fetch_token(conf["token_endpoint"], grant_type="client_credentials")
        check(cc.get("token_type") == "Bearer", "a client-credentials token is issued")
        active = system.introspect_token(conf["introspection_endpoint"], token=cc["access_token"]).json()
        check(active.get("active") is True and active.get("client_id") == "interop-rs", "introspection: active")
        system.revoke_token(conf["revocation_endpoint"], token=cc["access_token"])
        gone = system.introspect_token(conf["introspection_endpoint"], token=cc["access_token"]).json()
        check(gone == {"active": False}, "after revocation: inactive")

        print("RP-initiated logout")
        live = requests.post(conf["introspection_endpoint"], data={"token": token_es["refresh_token"]},
                             auth=("interop-es", es_secret)).json()
        check(live.get("active") is True, "before logout the second client's refresh token is active")
        bye = browser.get(conf["end_session_endpoint"], params={
            "id_token_hint": token["id_token"],
            "post_logout_redirect_uri": "http://127.0.0.1:9/interop-rs/bye",
            "state": "bye-1"}, allow_redirects=False)
        check(bye.headers.get("location") == "http://127.0.0.1:9/interop-rs/bye?state=bye-1",
              "logout returns to the registered address with the state")
        me = browser.get(f"{site}/me", allow_redirects=False)
        check(me.status_code in (302, 303) and "/signin" in me.headers.get("location", ""), "the Yiwang session has ended")
        # The second client's refresh token was live until the person signed out.
        after = requests.post(conf["token_endpoint"], data={"grant_type": "refresh_token",
                                                              "refresh_token": token_es["refresh_token"]},
                              auth=("interop-es", es_secret))
        check(after.json().get("error") == "invalid_grant",
              "the other client's refresh token of the ended session is refused")
    except Exception as e:  # a library error is a failed check, with its cause
        check(False, f"the flow runs to the end ({type(e).__name__}: {e})")
    finally:
        app.terminate()
        app.wait(timeout=20)
    print(f"oidc interop: {RESULTS['passed']} passed, {RESULTS['failed']} failed")


if __name__ == "__main__":
    main()
    sys.exit(1 if RESULTS["failed"] or not RESULTS["passed"] else 0)
