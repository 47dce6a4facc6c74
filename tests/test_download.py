import functools
import gzip
import hashlib
import http.server
import threading
from pathlib import Path

import pytest

from fmnist.data import download as download_module
from fmnist.data.download import DownloadError, download
from fmnist.stage_runner import run_stage
from stages import download as download_stage


@pytest.fixture
def fake_files(monkeypatch, tmp_path):
    """Small stand-ins for the four files, with their decompressed SHA-256 pinned."""
    contents = {name: f"content of {name}".encode() * 50 for name in download_module.RAW_FILES}
    pinned = {name: hashlib.sha256(data).hexdigest() for name, data in contents.items()}
    monkeypatch.setattr(download_module, "RAW_FILES", pinned)
    return contents


def write_source(
    directory: Path, contents: dict, corrupt: str | None = None, truncate: str | None = None
):
    directory.mkdir(parents=True)
    for name, data in contents.items():
        packed = gzip.compress(data + (b"!" if name == corrupt else b""))
        if name == truncate:
            packed = packed[: len(packed) // 2]
        (directory / name).write_bytes(packed)
    return directory


@pytest.fixture
def http_server(tmp_path):
    """Serve tmp_path/www on 127.0.0.1 at a free port; yields the base URL."""
    root = tmp_path / "www"
    root.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/data", root / "data"
    server.shutdown()
    server.server_close()


def test_local_source_is_copied_and_verified(fake_files, tmp_path):
    source = write_source(tmp_path / "debian", fake_files)
    used = download([str(source)], tmp_path / "raw", timeout_s=5)
    assert set(used.values()) == {str(source)}
    for name, data in fake_files.items():
        assert gzip.decompress((tmp_path / "raw" / name).read_bytes()) == data


def test_bad_checksum_in_first_source_falls_back_to_http(fake_files, tmp_path, http_server, caplog):
    url, www = http_server
    first = write_source(tmp_path / "debian", fake_files, corrupt="train-images-idx3-ubyte.gz")
    write_source(www, fake_files)
    used = download([str(first), url], tmp_path / "raw", timeout_s=5)
    assert used["train-images-idx3-ubyte.gz"] == url
    assert used["train-labels-idx1-ubyte.gz"] == str(first)
    assert "SHA-256 of decompressed bytes is" in caplog.text
    assert sorted(p.name for p in (tmp_path / "raw").iterdir()) == sorted(fake_files)


def test_all_sources_bad_names_each_and_leaves_nothing(fake_files, tmp_path, http_server):
    url, www = http_server
    truncated = write_source(tmp_path / "debian", fake_files, truncate="t10k-labels-idx1-ubyte.gz")
    write_source(www, fake_files, corrupt="t10k-labels-idx1-ubyte.gz")
    missing = tmp_path / "nowhere"
    out = tmp_path / "raw"
    with pytest.raises(DownloadError) as err:
        download([str(truncated), url, str(missing)], out, timeout_s=5)
    message = str(err.value)
    assert message.startswith("no source gave a verified t10k-labels-idx1-ubyte.gz: ")
    assert f"{truncated}: truncated or corrupt gzip" in message
    assert f"{url}: SHA-256 of decompressed bytes is" in message
    assert f"{missing}: file not found" in message
    assert not out.exists()
    assert list(tmp_path.glob(".raw.*")) == []  # no temporary leftovers either


def test_http_404_is_reported_and_skipped(fake_files, tmp_path, http_server):
    url, www = http_server
    www.mkdir()
    good = write_source(tmp_path / "mirror", fake_files)
    used = download([url, str(good)], tmp_path / "raw", timeout_s=5)
    assert set(used.values()) == {str(good)}


def test_stage_main_refuses_truncated_file_with_one_line(fake_files, tmp_path, params_file, capsys):
    source = write_source(tmp_path / "debian", fake_files, truncate="train-images-idx3-ubyte.gz")
    params = params_file(download={"sources": [str(source)], "timeout_s": 5})
    out = tmp_path / "raw"
    code = run_stage(download_stage.main, ["--params", str(params), "--out", str(out)])
    lines = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert lines[-1].startswith("error: no source gave a verified train-images-idx3-ubyte.gz: ")
    assert "truncated or corrupt gzip" in lines[-1]
    assert not out.exists()
