"""The container files keep their promises: the image runs `bolden run` as a user other than root
and is healthy only when /readyz is; compose.yaml runs two instances on its PostgreSQL behind a
proxy that sends requests to both, on the port the image listens on; the build context leaves
out what must not leave the machine. No Docker runs here, so the files are read: compose.yaml by
its indentation (no YAML parser is a dependency), the Dockerfile by its instructions."""

from __future__ import annotations

import json
import re
from fnmatch import fnmatchcase
from pathlib import Path

ROOT = Path(__file__).parents[2]


def _instructions(dockerfile: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, its arguments) for each instruction, continuation lines joined."""
    joined = re.sub(r"\\\n\s*", "", dockerfile)
    lines = (line.strip() for line in joined.splitlines())
    return [
        (keyword.upper(), arguments)
        for keyword, _, arguments in (
            line.partition(" ") for line in lines if line and not line.startswith("#")
        )
    ]


def _final_stage() -> list[tuple[str, str]]:
    instructions = _instructions((ROOT / "Dockerfile").read_text())
    last_from = max(i for i, (keyword, _) in enumerate(instructions) if keyword == "FROM")
    return instructions[last_from + 1 :]


def _environment(stage: list[tuple[str, str]]) -> dict[str, str]:
    pairs = " ".join(arguments for keyword, arguments in stage if keyword == "ENV")
    return dict(re.findall(r"(\w+)=(\S+)", pairs))


class Node:
    """One key of a YAML mapping: the value on its line and the mapping under it."""

    def __init__(self, value: str, lines: list[str]) -> None:
        self.value = value
        self.lines = lines

    def __getitem__(self, key: str) -> Node:
        return _mapping(self.lines)[key]

    @property
    def text(self) -> str:
        return "\n".join([self.value, *self.lines])


def _mapping(lines: list[str]) -> dict[str, Node]:
    """The keys at the least indentation of these lines (comments and blank lines left out)."""
    lines = [line for line in lines if line.strip() and not line.lstrip().startswith("#")]
    indent = min(len(line) - len(line.lstrip()) for line in lines)
    nodes: dict[str, Node] = {}
    for line in lines:
        if len(line) - len(line.lstrip()) == indent:
            key, _, value = line.strip().partition(":")
            node = nodes[key] = Node(value.strip(), [])
        else:
            node.lines.append(line)
    return nodes


def _compose() -> dict[str, Node]:
    return _mapping((ROOT / "compose.yaml").read_text().splitlines())


def _service(name: str) -> Node:
    """A service, with `*anchor` read as the top-level entry marked `&anchor`."""
    compose = _compose()
    service = compose["services"][name]
    if service.value.startswith("*"):
        anchored = [node for node in compose.values() if node.value == "&" + service.value[1:]]
        assert len(anchored) == 1, f"{name} refers to an anchor compose.yaml does not define once"
        return anchored[0]
    return service


def _ignored(path: str) -> bool:
    """Whether .dockerignore leaves this path out: as Docker reads it, the last pattern that
    matches the path or a folder above it decides, and `!` takes a path back in. (fnmatch reads
    these simple patterns as Docker does.)"""
    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    parts = path.split("/")
    paths = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    ignored = False
    for pattern in patterns:
        glob = pattern.removeprefix("!").strip("/")
        if any(fnmatchcase(each, glob) for each in paths):
            ignored = not pattern.startswith("!")
    return ignored


def test_the_image_runs_bolden_as_a_user_other_than_root() -> None:
    stage = _final_stage()
    users = [arguments for keyword, arguments in stage if keyword == "USER"]

    assert users, "the final stage sets a USER"
    assert users[-1].split(":")[0] not in ("root", "0")
    assert [json.loads(arguments) for keyword, arguments in stage if keyword == "ENTRYPOINT"] == [
        ["bolden"]
    ]
    assert [json.loads(arguments) for keyword, arguments in stage if keyword == "CMD"] == [["run"]]


def test_the_image_is_healthy_when_readyz_is_and_keeps_sqlite_in_its_volume() -> None:
    stage = _final_stage()
    environment = _environment(stage)
    (healthcheck,) = [arguments for keyword, arguments in stage if keyword == "HEALTHCHECK"]
    (volume,) = [arguments for keyword, arguments in stage if keyword == "VOLUME"]
    (exposed,) = [arguments for keyword, arguments in stage if keyword == "EXPOSE"]

    assert "/readyz" in healthcheck
    assert environment["BOLDEN_WEB_HOST"] == "0.0.0.0", "reachable from outside the container"
    assert exposed == environment["BOLDEN_WEB_PORT"]
    assert environment["BOLDEN_DATABASE"].startswith(volume.rstrip("/") + "/")
    assert environment["PYTHONDONTWRITEBYTECODE"] == environment["PYTHONUNBUFFERED"] == "1"
    assert not re.search(r"\b(pip|gcc|build-essential)\b", json.dumps(stage)), (
        "nothing is built in the final stage"
    )


def test_two_instances_run_on_the_postgresql_of_compose_in_webhook_mode() -> None:
    postgres = _compose()["services"]["postgres"]
    server = {key: node.value for key, node in _mapping(postgres["environment"].lines).items()}

    assert postgres["image"].value.startswith("postgres:15")
    assert "pg_isready" in postgres["healthcheck"].text
    for name in ("bolden-1", "bolden-2"):
        bolden = _service(name)
        environment = bolden["environment"]
        assert bolden["build"].value == ".", "the image of this Dockerfile"
        assert environment["BOLDEN_DATABASE"].value == (
            f"postgresql://{server['POSTGRES_USER']}:{server['POSTGRES_PASSWORD']}"
            f"@postgres:5432/{server['POSTGRES_DB']}"
        )
        assert environment["BOLDEN_WEBHOOK_URL"].value.startswith("${BOLDEN_PUBLIC_URL}/")
        assert "condition: service_healthy" in bolden["depends_on"]["postgres"].text
        assert bolden["restart"].value == "unless-stopped"


def test_the_proxy_sends_requests_to_both_instances_on_the_port_they_listen_on() -> None:
    proxy = _compose()["services"]["proxy"]
    (caddyfile,) = re.findall(r"\./(deploy/Caddyfile):", proxy["volumes"].text)
    routes = (ROOT / caddyfile).read_text()
    port = _service("bolden-1")["environment"]["BOLDEN_WEB_PORT"].value.strip('"')

    assert port == _environment(_final_stage())["BOLDEN_WEB_PORT"]
    assert re.search(rf"reverse_proxy bolden-1:{port} bolden-2:{port} \{{", routes)
    assert re.search(r"^\s*health_uri /readyz$", routes, re.MULTILINE)
    assert "header_up" not in routes, "headers pass as they came (Telegram's secret, Meta's)"
    assert proxy["restart"].value == "unless-stopped"


def test_the_build_context_holds_the_package_and_leaves_out_secrets_and_data() -> None:
    copied = [
        source
        for keyword, arguments in _instructions((ROOT / "Dockerfile").read_text())
        if keyword == "COPY" and not arguments.startswith("--from")
        for source in arguments.split()[:-1]
    ]
    package = [
        path.relative_to(ROOT).as_posix()
        for folder in ("bot", "handlers", "storage")
        for path in (ROOT / folder).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    ]

    assert copied
    assert package
    assert not [path for path in copied + package if _ignored(path)]
    for left_out in (
        ".venv/bin/python",
        ".git/HEAD",
        ".env",
        "bolden.sqlite3",
        "bolden.sqlite3-wal",
        "bolden.sqlite3.lock",
        "storage/bolden.sqlite3",
        "tests/e2e/test_events.py",
        ".pytest_cache/v/cache/nodeids",
        "bench/results.txt",
        "bot/__pycache__/app.cpython-311.pyc",
    ):
        assert _ignored(left_out), left_out
