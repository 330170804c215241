"""A throwaway real WordPress for tests: Debian's ``wordpress`` package, PHP's built-in server.

Why like this: Debian's own ``wp-config.php`` reads ``/etc/wordpress/config-<host>.php``,
which a test should not write. So the site gets a document root of its own in a
temporary folder: symbolic links to the package's files, its own ``wp-config.php``
and ``wp-content`` (uploads), and ``ABSPATH`` defined before WordPress loads
(``auto_prepend_file``) so that WordPress reads that config and not Debian's.
wp-cli is not in Debian: the site is installed with WordPress's own
``wp_install()`` run by ``php``. Every site has its own database on the MariaDB
at 127.0.0.1:3306 (root, no password, as on the CI machine), dropped at the end.

``LossyProxy`` sits between the adapter and the site to lose answers for real:
``lose`` carries a request out and drops the connection (the post exists, the
adapter never hears so), ``drop`` drops it unsent (a worker killed before the
call), ``empty`` answers ``[]`` without asking WordPress (a lookup that missed).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import requests

WORDPRESS = Path("/usr/share/wordpress")
THEMES = WORDPRESS / "wp-content" / "themes"
DB_HOST, DB_PORT = "127.0.0.1", 3306
EDITOR, EDITOR_NAME = "cityhall", "천안시 홍보담당관"


def missing() -> str | None:
    """Why a real WordPress cannot run here, or None."""
    if not (WORDPRESS / "wp-settings.php").is_file():
        return "Debian's wordpress package is not installed (apt-get install wordpress php-cli php-mysql)"
    if not shutil.which("php"):
        return "php is not installed (apt-get install php-cli)"
    modules = subprocess.run(["php", "-m"], capture_output=True, text=True).stdout.lower().split()
    if "mysqli" not in modules:
        return "PHP has no mysqli (apt-get install php-mysql)"
    if not (THEMES / "twentytwentythree").is_dir():
        return "no WordPress theme (apt-get install wordpress-theme-twentytwentythree)"
    try:
        socket.create_connection((DB_HOST, DB_PORT), timeout=2).close()
    except OSError:
        return f"no MariaDB/MySQL at {DB_HOST}:{DB_PORT}"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _php(code: str, *args: str, script: Path | None = None, cwd: Path | None = None,
         timeout: float = 120) -> str:
    """Run PHP ``code`` (in ``script`` when given: auto_prepend_file does not apply to -r)."""
    if script is not None:
        script.write_text("<?php\n" + code)
        run = [str(script), *args]
    else:
        run = ["-r", code, "--", *args]
    done = subprocess.run(["php", "-d", "display_errors=stderr", *run], capture_output=True,
                          text=True, timeout=timeout, cwd=cwd)
    if done.returncode != 0:
        raise RuntimeError(f"php failed ({done.returncode}): {done.stderr[-2000:]} {done.stdout[-2000:]}")
    return done.stdout


def _sql(statement: str) -> None:
    _php("$db = new mysqli($argv[1], 'root', '', '', (int)$argv[2]);"
         "if (!$db->query($argv[3])) { fwrite(STDERR, $db->error); exit(1); }",
         DB_HOST, str(DB_PORT), statement)


CONFIG = """<?php
define('DB_NAME', {db!r});
define('DB_USER', 'root');
define('DB_PASSWORD', '');
define('DB_HOST', '{host}:{port}');
define('DB_CHARSET', 'utf8mb4');
define('DB_COLLATE', '');
define('WP_HOME', {url!r});
define('WP_SITEURL', {url!r});
define('WP_CONTENT_DIR', {content!r});
define('WP_CONTENT_URL', {content_url!r});
define('WP_ENVIRONMENT_TYPE', 'local');      // application passwords without HTTPS
define('DISABLE_WP_CRON', true);             // no loopback requests to a busy test server
define('AUTOMATIC_UPDATER_DISABLED', true);
define('WP_HTTP_BLOCK_EXTERNAL', true);      // never call wordpress.org from a test
define('WP_DEBUG', false);
{keys}
$table_prefix = 'wp_';
require_once ABSPATH . 'wp-settings.php';
"""

ROUTER = """<?php
// php -S router: real files as they are, everything else through WordPress's index.php
require __DIR__ . '/prepend.php';
$path = urldecode(parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH));
$file = $_SERVER['DOCUMENT_ROOT'] . $path;
if ($path !== '/' && is_file($file)) {
    if (substr($file, -4) !== '.php') { return false; }
    $_SERVER['SCRIPT_NAME'] = $path;
    $_SERVER['SCRIPT_FILENAME'] = $file;
    chdir(dirname($file));
    require $file;
    return true;
}
if (is_dir($file) && is_file(rtrim($file, '/') . '/index.php')) {
    chdir($file);
    require rtrim($file, '/') . '/index.php';
    return true;
}
$_SERVER['SCRIPT_NAME'] = '/index.php';
$_SERVER['SCRIPT_FILENAME'] = $_SERVER['DOCUMENT_ROOT'] . '/index.php';
require $_SERVER['DOCUMENT_ROOT'] . '/index.php';
"""

INSTALL = r"""
require $argv[3];
define('WP_INSTALLING', true);
$_SERVER['HTTP_HOST'] = $argv[1]; $_SERVER['REQUEST_URI'] = '/'; $_SERVER['SERVER_NAME'] = '127.0.0.1';
$_SERVER['SERVER_PORT'] = '80'; $_SERVER['REQUEST_METHOD'] = 'GET';
require ABSPATH . 'wp-load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
$cfg = json_decode($argv[2], true);
$result = wp_install($cfg['title'], 'admin', 'admin@example.kr', true, '', wp_generate_password(24));
update_option('timezone_string', $cfg['timezone']);
update_option('gmt_offset', '');
update_option('permalink_structure', '/%postname%/');
switch_theme('twentytwentythree');
$editor = wp_insert_user(array('user_login' => $cfg['editor'], 'user_pass' => wp_generate_password(24),
    'user_email' => 'pr@example.kr', 'display_name' => $cfg['editor_name'], 'role' => 'editor'));
if (is_wp_error($editor)) { fwrite(STDERR, $editor->get_error_message()); exit(1); }
list($password) = WP_Application_Passwords::create_new_application_password($editor, array('name' => 'outreach'));
$admin = get_user_by('login', 'admin')->ID;
list($admin_password) = WP_Application_Passwords::create_new_application_password($admin, array('name' => 'tests'));
foreach ($cfg['categories'] as $name) { wp_insert_term($name, 'category'); }
flush_rewrite_rules(false);
echo json_encode(array('password' => $password, 'admin_password' => $admin_password, 'editor_id' => $editor));
"""


class WordPressSite:
    """One installed WordPress on ``url``; ``editor`` / ``password`` for the adapter,
    ``admin`` for the test's own seeding and inspection (``api(...)``)."""

    def __init__(self, root: Path, *, timezone: str = "America/Los_Angeles",
                 categories: tuple[str, ...] = ("즐기는천안", "더큰천안")) -> None:
        self.root, self.timezone, self.categories = root, timezone, categories
        self.db = "outreach_wp_" + secrets.token_hex(4)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server: subprocess.Popen | None = None
        self.editor, self.editor_name = EDITOR, EDITOR_NAME
        self.password = self.admin_password = ""
        self.editor_id = 0

    # -- lifecycle ------------------------------------------------------------
    def start(self) -> "WordPressSite":
        docroot, content = self.root / "site", self.root / "wp-content"
        docroot.mkdir(parents=True)
        (content / "uploads").mkdir(parents=True)
        (content / "themes").symlink_to(THEMES)
        (content / "plugins").mkdir()
        for entry in WORDPRESS.iterdir():
            if entry.name not in ("wp-config.php", "wp-content", ".htaccess"):
                (docroot / entry.name).symlink_to(entry)
        (docroot / "wp-content").symlink_to(content)
        keys = "\n".join(f"define('{k}', '{secrets.token_hex(16)}');" for k in (
            "AUTH_KEY", "SECURE_AUTH_KEY", "LOGGED_IN_KEY", "NONCE_KEY", "AUTH_SALT",
            "SECURE_AUTH_SALT", "LOGGED_IN_SALT", "NONCE_SALT"))
        (docroot / "wp-config.php").write_text(CONFIG.format(
            db=self.db, host=DB_HOST, port=DB_PORT, url=self.url, content=str(content),
            content_url=self.url + "/wp-content", keys=keys))
        self.prepend = self.root / "prepend.php"
        self.prepend.write_text(f"<?php if (!defined('ABSPATH')) define('ABSPATH', {str(docroot) + '/'!r});\n")
        (self.root / "router.php").write_text(ROUTER)
        _sql(f"CREATE DATABASE `{self.db}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
        out = _php(INSTALL, f"127.0.0.1:{self.port}", json.dumps({
            "title": "천안시 블로그", "timezone": self.timezone, "editor": self.editor,
            "editor_name": self.editor_name, "categories": list(self.categories)}),
            str(self.prepend), script=self.root / "install.php", cwd=docroot)
        made = json.loads(out[out.index("{"):])
        self.password, self.admin_password = made["password"], made["admin_password"]
        self.editor_id = int(made["editor_id"])
        env = {**os.environ, "PHP_CLI_SERVER_WORKERS": "4"}
        self.server = subprocess.Popen(
            ["php", "-d", f"auto_prepend_file={self.prepend}", "-d", "upload_max_filesize=20M",
             "-d", "post_max_size=24M", "-S", f"127.0.0.1:{self.port}", "-t", str(docroot),
             str(self.root / "router.php")],
            cwd=docroot, env=env, stdout=subprocess.DEVNULL, stderr=(self.root / "php.log").open("w"),
            start_new_session=True)   # its own process group: the workers end with it
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(self.url + "/wp-json/", timeout=5).ok:
                    break
            except requests.RequestException:
                pass
            if self.server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("WordPress did not answer: " + (self.root / "php.log").read_text()[-2000:])
            time.sleep(0.1)
        return self

    def stop(self) -> None:
        if self.server is not None:
            try:
                os.killpg(self.server.pid, signal.SIGTERM)   # the server and its workers
                self.server.wait(timeout=10)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.server.pid, signal.SIGKILL)
            self.server = None
        try:
            _sql(f"DROP DATABASE IF EXISTS `{self.db}`")
        except (RuntimeError, subprocess.SubprocessError):
            pass

    def __enter__(self) -> "WordPressSite":
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # -- helpers for tests ----------------------------------------------------
    def api(self, method: str, path: str, *, admin: bool = True, **kw: Any) -> Any:
        """Call the REST API as the admin (seeding, approving, inspecting) or the editor."""
        auth = ("admin", self.admin_password) if admin else (self.editor, self.password)
        resp = requests.request(method, f"{self.url}/wp-json/wp/v2/{path.lstrip('/')}", auth=auth,
                                timeout=30, **kw)
        if resp.status_code >= 400:
            raise AssertionError(f"{method} {path}: {resp.status_code} {resp.text[:500]}")
        return resp.json()

    def guest_comment(self, post_id: int, text: str, *, name: str = "박시민",
                      email: str = "citizen@example.kr") -> None:
        """Comment as a visitor does, through the form (wp-comments-post.php)."""
        resp = requests.post(f"{self.url}/wp-comments-post.php", data={
            "comment_post_ID": post_id, "comment": text, "author": name, "email": email,
            "url": "", "comment_parent": 0}, allow_redirects=False, timeout=30)
        if resp.status_code not in (302, 303):
            raise AssertionError(f"comment form: {resp.status_code} {resp.text[:500]}")

    def page(self, url: str) -> str:
        return requests.get(url, timeout=30).text


class LossyProxy:
    """An HTTP proxy on 127.0.0.1 in front of ``target`` that loses chosen answers."""

    def __init__(self, target: str) -> None:
        self.target = target.rstrip("/")
        self.rules: list[tuple[str, re.Pattern[str], str]] = []
        self.lock = threading.Lock()
        self.session = requests.Session()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def handle_one(self) -> None:
                proxy._handle(self)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = handle_one

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True).start()

    def arm(self, kind: str, method: str, path: str) -> None:
        """The next ``method`` request whose path matches ``path``: ``lose``, ``drop`` or ``empty``."""
        with self.lock:
            self.rules.append((method, re.compile(path), kind))

    def _take(self, method: str, path: str) -> str | None:
        with self.lock:
            for rule in self.rules:
                if rule[0] == method and rule[1].search(path):
                    self.rules.remove(rule)
                    return rule[2]
        return None

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length) if length else None
        kind = self._take(h.command, h.path.split("?", 1)[0])
        if kind == "drop":
            h.close_connection = True
            h.connection.close()
            return
        if kind == "empty":
            data = b"[]"
            h.send_response(200)
            for name, value in (("Content-Type", "application/json"), ("X-WP-Total", "0"),
                                ("X-WP-TotalPages", "0"), ("Content-Length", str(len(data)))):
                h.send_header(name, value)
            h.end_headers()
            h.wfile.write(data)
            return
        headers = {k: v for k, v in h.headers.items() if k.lower() not in ("host", "content-length")}
        resp = self.session.request(h.command, self.target + h.path, data=body, headers=headers,
                                    allow_redirects=False, timeout=60)
        if kind == "lose":
            h.close_connection = True
            h.connection.close()
            return
        data = resp.content
        h.send_response(resp.status_code)
        for name, value in resp.headers.items():
            if name.lower() not in ("content-length", "transfer-encoding", "connection",
                                    "content-encoding", "keep-alive"):
                h.send_header(name, value)
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        h.wfile.write(data)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.session.close()
