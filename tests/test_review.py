"""fmnist review's server, through real HTTP: the items it serves, every bad request refused with
one line of JSON and nothing changed, two writers at once, undo, the token and the origin check."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from fmnist.audit.table import COLUMNS
from fmnist.data.content import image_ids
from fmnist.data.split_files import save_classes, save_split
from fmnist.errors import DataError
from fmnist.review.findings import load_review_data
from fmnist.review.ledger import Ledger

CLASSES = ("ant", "bee", "cat")


def write_audit(root: Path) -> dict[str, np.ndarray]:
    """A split of noise images (train 30, val 6, test 12, classes ant/bee/cat) and its audit:
    a chain of near-duplicates train 0 ~ test 0 ~ test 1 (one group, a leak), a shifted copy
    train 1 ~ train 2, ten label issues (train 3-12, each suggested the next class) and an outlier
    (train 13)."""
    rng = np.random.default_rng(0)
    arrays = {}
    for name, n in (("train", 30), ("val", 6), ("test", 12)):
        arrays[name] = (rng.integers(0, 256, (n, 28, 28), dtype=np.uint8), np.arange(n) % 3)
    split = root / "data" / "split"
    split.mkdir(parents=True)
    for name, (x, y) in arrays.items():
        save_split(split / f"{name}.npz", x, y)
    save_classes(split, CLASSES)
    ids = {name: image_ids(x) for name, (x, _) in arrays.items()}

    def pair(a, b, score, kind="near_duplicate", detail=""):
        (sa, ia), (sb, ib) = a, b
        return [ids[sa][ia], sa, ia, kind, score, CLASSES[ia % 3], "",
                ids[sb][ib], sb, ib, CLASSES[ib % 3], detail]  # fmt: skip

    rows = [pair(("train", 0), ("test", 0), 0.5), pair(("test", 0), ("test", 1), 0.7)]
    rows.append(pair(("train", 1), ("train", 2), 7.5, "shifted_duplicate", "shift +1,-2"))
    for i in range(3, 13):
        rows.append([ids["train"][i], "train", i, "label_issue", round(0.01 * i, 4),
                     CLASSES[i % 3], CLASSES[(i + 1) % 3], "", "", -1, "", ""])  # fmt: skip
    rows.append([ids["train"][13], "train", 13, "outlier", 0.05, CLASSES[13 % 3], "",
                 "", "", -1, "", "20.0 from ant"])  # fmt: skip
    audit = root / "audit"
    audit.mkdir()
    pd.DataFrame(rows, columns=COLUMNS).to_csv(audit / "findings.csv", index=False)
    p = rng.random((48, 3)).astype(np.float32)
    np.savez_compressed(audit / "probabilities.npz", probabilities=p / p.sum(1, keepdims=True))
    return ids


def test_items_are_groups_leaks_first_then_single_images_with_their_context(tmp_path):
    ids = write_audit(tmp_path)
    data = load_review_data(tmp_path / "data/split", tmp_path / "audit")
    kinds = [item.kind for item in data.items]
    assert kinds == ["duplicates"] * 2 + ["label_issue"] * 10 + ["outlier"]
    outlier = data.by_key[f"outlier:{ids['train'][13]}"]
    assert (outlier.detail, outlier.suggested, outlier.score) == ("20.0 from ant", "", 0.05)
    leak, pair = data.items[:2]
    assert leak.leak and [(i.split, i.index) for i in leak.images] == [
        ("train", 0), ("test", 0), ("test", 1),
    ]  # fmt: skip
    assert not pair.leak and len(pair.images) == 2
    assert leak.detail == "near duplicate 0.50; near duplicate 0.70"
    assert pair.detail == "shifted duplicate 7.50 (shift +1,-2)" and pair.score == 7.5
    issue = data.by_key[f"L:{ids['train'][3]}"]
    assert (issue.images[0].label, issue.suggested) == ("ant", "bee")
    near = data.nearest(ids["train"][3], "bee")
    labels = {i: y for i, y in zip(data.train_ids, data.train_labels, strict=True)}
    assert len(near) == 4 and {labels[i] for i in near} == {1} and ids["train"][3] not in near
    top = data.top_classes(ids["train"][3])
    assert [t["p"] for t in top] == sorted((t["p"] for t in top), reverse=True) and len(top) == 3


@pytest.fixture
def server(request, tmp_path, monkeypatch):
    """The review app on a free loopback port (uvicorn in a thread), its corrections file
    data/corrections/review.csv, and the token of ``request.param`` if any; yields (base URL,
    ledger, content ids)."""
    import socket

    import uvicorn

    from fmnist.review.app import build_app

    ids = write_audit(tmp_path)
    monkeypatch.chdir(tmp_path)
    ledger = Ledger(Path("data/corrections/review.csv"), load_review_data("data/split", "audit"))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    app = build_app(ledger, token=getattr(request, "param", None))
    uv = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=uv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not uv.started:
        time.sleep(0.01)
    yield f"http://127.0.0.1:{port}", ledger, ids
    uv.should_exit = True
    thread.join(5)


def call(url, body=None, headers=None, raw=None):
    """(status, JSON) of a GET, or of a POST of ``body`` as JSON (``raw``: bytes as they are)."""
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    request = urllib.request.Request(url, data=data, headers=headers or {})
    if data is not None and "Content-Type" not in (headers or {}):
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_decisions_are_the_corrections_file_and_undo_takes_them_back(server):
    base, ledger, ids = server
    issue = f"L:{ids['train'][3]}"
    status, answer = call(
        f"{base}/api/decide", {"items": [issue], "action": "take", "reviewer": "ann"}
    )
    assert status == 200 and answer["progress"] == {"reviewed": 1, "total": 13}
    table = pd.read_csv("data/corrections/review.csv", dtype=str, keep_default_na=False)
    assert table[["image", "action", "new_label", "reviewer"]].values.tolist() == [
        [ids["train"][3], "relabel", "bee", "ann"]
    ]
    assert table["reason"][0].startswith("review: label issue (train, given ant, suggested bee)")
    status, answer = call(f"{base}/api/decide", {"items": ["G:0"], "action": "drop_train_copies"})
    assert status == 200 and answer["items"]["G:0"]["reviewed"]
    rows = ledger.rows
    assert [rows[ids[s][i]]["action"] for s, i in (("train", 0), ("test", 0), ("test", 1))] == [
        "drop", "keep", "keep",
    ]  # fmt: skip
    assert call(f"{base}/api/undo", {"decision": "nope"})[0] == 409  # a stale undo
    assert call(f"{base}/api/undo", {"decision": answer["decision"]})[0] == 200
    table = pd.read_csv("data/corrections/review.csv", dtype=str, keep_default_na=False)
    assert table["image"].tolist() == [ids["train"][3]]  # the group's rows are gone again
    state = call(f"{base}/api/state")[1]
    assert state["progress"]["reviewed"] == 1 and not state["items"][0]["reviewed"]
    # a restarted server reads the file: the decided item stays decided
    again = Ledger(ledger.path, ledger.data)
    assert again.progress() == {"reviewed": 1, "total": 13}


@pytest.mark.parametrize(
    ("path", "body", "headers", "status", "message"),
    [
        ("/api/image/0123456789abcdef.png", None, {}, 404, "no such image: 0123456789abcdef"),
        ("/api/image/..%2F..%2Fetc%2Fpasswd.png", None, {}, 404, "Not Found: /api/image/"),
        ("/api/item/L:nothere", None, {}, 404, "no such item: L:nothere"),
        ("/api/decide", {"items": ["L:x"], "action": "keep"}, {}, 404, "no such item: L:x"),
        ("/api/decide", {"items": "{issue}", "action": "keep"}, {}, 400, "items must be a list"),
        ("/api/decide", {"items": ["{issue}"], "action": "relabel", "label": "dog"}, {}, 400,
         "class 'dog' is not in the data (ant, bee, cat)"),
        ("/api/decide", {"items": ["{issue}"], "action": "keep_one"}, {}, 400,
         "action 'keep_one' is not one of keep, take, relabel, drop for a label_issue item"),
        ("/api/decide", {"items": ["G:1"], "action": "drop_train_copies"}, {}, 400,
         "group G:1 holds no test image"),
        ("/api/decide", {"items": ["G:0"], "action": "keep_one", "keep": "abc"}, {}, 400,
         "keep: image 'abc' is not in group G:0"),
        ("/api/decide", b"{not json", {}, 400, "malformed JSON"),
        ("/api/decide", b"[1, 2]", {}, 400, "the JSON body must be an object"),
        ("/api/decide", b"items=x", {"Content-Type": "application/x-www-form-urlencoded"}, 415,
         "send the request body as application/json"),
        ("/api/decide", {"items": ["{issue}"], "action": "keep"}, {"Origin": "http://evil.example"},
         403, "a request from another origin (http://evil.example) is refused"),
        ("/api/decide", {"items": ["{issue}"], "action": "keep"}, {"Sec-Fetch-Site": "cross-site"},
         403, "a request from another site is refused"),
        ("/api/state", None, {"Host": "evil.example"}, 400, "host 'evil.example' is not this server's"),
        ("/api/undo", {"decision": 3}, {}, 400, "decision must be a string, not int"),
        ("/api/decide", None, {}, 405, "Method Not Allowed"),
    ],
)  # fmt: skip
def test_bad_requests_get_a_4xx_with_one_json_line_and_change_nothing(
    server, path, body, headers, status, message
):
    base, _, ids = server
    issue = f"L:{ids['train'][3]}"
    call(f"{base}/api/decide", {"items": [issue], "action": "keep"})
    before = Path("data/corrections/review.csv").read_bytes()
    if isinstance(body, dict):
        body = json.loads(json.dumps(body).replace("{issue}", issue))
    raw = body if isinstance(body, bytes) else None
    got, answer = call(f"{base}{path}", None if raw else body, headers, raw)
    assert got == status and list(answer) == ["error"] and message in answer["error"]
    assert "\n" not in answer["error"]
    assert Path("data/corrections/review.csv").read_bytes() == before


def test_two_writers_at_once_lose_no_decision(server):
    base, _, ids = server
    issues = [f"L:{ids['train'][i]}" for i in range(3, 13)]
    errors = []

    def writer(name, keys):
        for key in keys:
            status, _ = call(
                f"{base}/api/decide", {"items": [key], "action": "drop", "reviewer": name}
            )
            if status != 200:
                errors.append(status)

    threads = [
        threading.Thread(target=writer, args=("ann", issues[0::2])),
        threading.Thread(target=writer, args=("bob", issues[1::2])),
        threading.Thread(target=writer, args=("cy", ["G:0", "G:1"])),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    table = pd.read_csv("data/corrections/review.csv", dtype=str, keep_default_na=False)
    assert len(table) == 10 + 5 and set(table["action"]) == {"drop"}
    assert table.groupby("reviewer").size().to_dict() == {"ann": 5, "bob": 5, "cy": 5}
    # every item but the outlier
    assert call(f"{base}/api/state")[1]["progress"] == {"reviewed": 12, "total": 13}


@pytest.mark.parametrize("server", ["s3cret-token"], indirect=True)
def test_a_token_guards_every_request_when_one_is_set(server):
    base, _, ids = server
    assert call(f"{base}/api/state") == (
        403,
        {"error": "this server needs the token its URL carries (?token=...)"},
    )
    assert call(f"{base}/api/state?token=wrong")[0] == 403
    assert call(f"{base}/api/state?token=s3cret-token")[0] == 200
    with urllib.request.urlopen(f"{base}/?token=s3cret-token", timeout=10) as response:
        cookie = response.headers["set-cookie"]
    assert cookie.startswith("fmnist_review_token=s3cret-token;") and "HttpOnly" in cookie
    jar = {"Cookie": "fmnist_review_token=s3cret-token"}
    body = {"items": [f"L:{ids['train'][3]}"], "action": "keep"}
    assert call(f"{base}/api/decide", body, jar)[0] == 200
    assert call(f"{base}/api/decide", body)[0] == 403


def test_loopback_by_default_another_host_needs_a_token_and_the_file_stays_inside(
    tmp_path, monkeypatch
):
    from fmnist.console.review import corrections_path, token_for

    assert token_for("127.0.0.1", None) is None and token_for("::1", None) is None
    token = token_for("0.0.0.0", None)
    assert token and len(token) >= 32 and token != token_for("0.0.0.0", None)
    with pytest.raises(DataError, match=r"^--host 0.0.0.0 is not loopback: it needs a token"):
        token_for("0.0.0.0", "")
    monkeypatch.chdir(tmp_path)
    params = Path(__file__).resolve().parents[1] / "params.yaml"
    assert corrections_path(None, str(params)) == Path("data/corrections/review.csv")
    assert corrections_path("data/c.csv", str(params)) == Path("data/c.csv")
    with pytest.raises(DataError, match=r"^--corrections ../x.csv: outside the repository"):
        corrections_path("../x.csv", str(params))
