"""The audit: duplicates, near and shifted copies found by measures that are exact where they
claim, label issues found by cleanlab, faults planted in real data found, and the checks'
registry (tests/test_pipeline_e2e.py runs the stage with the dvc CLI)."""

import numpy as np
import pandas as pd
import pytest

from fmnist.audit.checks import CHECKS, Check, Context
from fmnist.audit.checks.exact_duplicates import exact_pairs
from fmnist.audit.checks.near_duplicates import near_pairs
from fmnist.audit.checks.shifted_duplicates import aligned_residual
from fmnist.audit.findings import train_test_pairs
from fmnist.audit.run import audit_pool
from fmnist.audit.table import Pool, image_rows
from fmnist.data.content import image_ids
from fmnist.data.fashion_mnist import FASHION_MNIST_CLASSES
from fmnist.data.idx import read_idx
from fmnist.errors import DataError
from fmnist.params import AuditParams
from fmnist.testing.faults import flip_labels, foreign_images, shifted_copy
from tests.helpers import DEBIAN_DATA, require_real_data

PARAMS = AuditParams(
    seed=0,
    near_duplicate_distance=1.0,
    shifted_duplicate_residual=10.0,
    shift_reach=2,
    folds=5,
    model="logistic",
    cnn_epochs=6,
    outliers=40,
    gallery_size=10,
)


def noise_images(n, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (n, 28, 28), dtype=np.uint8)


def test_exact_and_near_duplicates_are_every_pair_within_the_distance():
    images = noise_images(300)
    images[10] = images[3]  # an exact copy
    images[20] = images[5]
    images[20, 0, :25] ^= 1  # 25 pixels off by 1/255: distance 5/255 ~ 0.02
    images[30] = images[7]
    images[30, :, :] = np.clip(images[30].astype(int) + 10, 0, 255)  # ~0.04 per pixel: ~1.1 apart
    assert exact_pairs(image_ids(images)).tolist() == [[3, 10]]
    near = near_pairs(images, threshold=1.0)
    assert near[["a", "b"]].values.tolist() == [[5, 20]]
    assert near["distance"].iloc[0] == pytest.approx(np.sqrt(25) / 255, rel=1e-4)
    wider = near_pairs(images, threshold=1.2)
    assert sorted(wider[["a", "b"]].values.tolist()) == [[5, 20], [7, 30]]
    # the same pairs as measuring all 44,850 pairs in full
    flat = images.reshape(300, -1).astype(np.float64) / 255
    full = np.sqrt(((flat[:, None] - flat[None]) ** 2).sum(-1))
    a, b = np.nonzero(np.triu((full <= 1.2) & (full > 0), 1))
    assert sorted(zip(a.tolist(), b.tolist(), strict=True)) == [(5, 20), (7, 30)]


@pytest.fixture(scope="module")
def planted():
    """4,000 real training images with 2% of their labels flipped, 30 test images copied into
    them with slight noise and 40 more as shifted copies (1-2 px, noise sigma 8, brightness and
    contrast within 10%: fmnist.testing.faults.shifted_copy), and 1,000 real test images."""
    require_real_data()
    rng = np.random.default_rng(7)
    train_x = read_idx(DEBIAN_DATA / "train-images-idx3-ubyte.gz")[:4000].copy()
    train_y = read_idx(DEBIAN_DATA / "train-labels-idx1-ubyte.gz")[:4000].astype(np.int64)
    test_x = read_idx(DEBIAN_DATA / "t10k-images-idx3-ubyte.gz")[:1000]
    test_y = read_idx(DEBIAN_DATA / "t10k-labels-idx1-ubyte.gz")[:1000].astype(np.int64)
    noisy_y, flipped = flip_labels(train_y, 0.02, 10, rng)
    copied = rng.choice(1000, 70, replace=False)
    places = rng.choice(np.setdiff1d(np.arange(4000), flipped), 70, replace=False)
    noise = rng.normal(0, 4, (30, 28, 28))
    train_x[places[:30]] = np.clip(np.round(test_x[copied[:30]] + noise), 0, 255).astype(np.uint8)
    for place, image in zip(places[30:], copied[30:], strict=True):
        train_x[place] = shifted_copy(test_x[image], rng)[0]
    noisy_y[places] = test_y[copied]
    pool = Pool.of({"train": (train_x, noisy_y), "test": (test_x, test_y)}, FASHION_MNIST_CLASSES)
    near = dict(zip(places[:30].tolist(), copied[:30].tolist(), strict=True))
    shifted = dict(zip(places[30:].tolist(), copied[30:].tolist(), strict=True))
    return pool, set(flipped.tolist()), near, shifted


def test_the_audit_finds_the_planted_faults(planted):
    pool, flipped, near, shifted = planted
    audit = audit_pool(pool, PARAMS)
    findings = audit.findings
    pairs = train_test_pairs(findings)
    assert set(near.items()) <= pairs  # every planted copy, paired with its test image
    shifted_rows = findings[findings["kind"] == "shifted_duplicate"]
    found = {
        (int(r.index), int(r.other_index))
        if r.split == "train"
        else (int(r.other_index), int(r.index))
        for r in shifted_rows.itertuples()
    }
    hits = len(set(shifted.items()) & found)
    others = len(found - set(shifted.items()))
    print(f"shifted copies: {hits}/{len(shifted)} found, {others} other pairs")
    assert hits >= 0.95 * len(shifted) and others <= 10
    issues = findings[(findings["kind"] == "label_issue") & (findings["split"] == "train")]
    flagged = set(issues["index"].astype(int))
    recall = len(flagged & flipped) / len(flipped)
    precision = len(flagged & flipped) / len(flagged)
    print(f"planted: recall {recall:.2f}, precision {precision:.2f}, {len(flagged)} flagged")
    assert recall >= 0.8 and precision >= 0.2  # a 2% base rate: 10x better than chance
    summary = audit.summary
    assert summary["near_duplicate_pairs"]["train-test"] >= 30
    assert summary["shifted_duplicate_pairs"]["train-test"] == len(
        shifted_rows.query("split != other_split")
    )
    assert summary["label_issues"]["train"] == len(flagged)
    assert summary["class_balance"]["test"]["largest_to_smallest"] < 1.5
    assert audit.probabilities.shape == (5000, 10)
    assert set(summary["seconds"]) == {*CHECKS, "total"}
    assert pd.Series(findings["kind"]).isin(list(CHECKS)).all()


def test_the_shifted_measure_is_the_best_of_every_shift_computed_in_full():
    """The FFT path gives, for each pair, exactly the smallest residual that fitting
    brightness and contrast at each shift in turn, on the shared pixels, gives."""
    rng = np.random.default_rng(3)
    images = rng.integers(0, 256, (12, 28, 28), dtype=np.uint8)
    images[1] = shifted_copy(images[0], rng, noise=3, change=0.05)[0]
    pairs = np.array([[a, b] for a in range(6) for b in range(6, 12)] + [[0, 1]])
    score, shift, plain = aligned_residual(images, pairs, reach=2)
    for (a, b), got, (gy, gx) in zip(pairs, score, shift, strict=True):
        best, where = np.inf, None
        for dy in range(-2, 3):
            for dx in range(-2, 3):
                moved = images[a].astype(float)[
                    max(-dy, 0) : 28 - max(dy, 0), max(-dx, 0) : 28 - max(dx, 0)
                ]
                fixed = images[b].astype(float)[
                    max(dy, 0) : 28 - max(-dy, 0), max(dx, 0) : 28 - max(-dx, 0)
                ]
                u, v = moved.ravel() - moved.mean(), fixed.ravel() - fixed.mean()
                r = (u @ v) / np.sqrt((u @ u) * (v @ v))
                contrast = np.sqrt((v @ v) / (u @ u))
                if r > 0 and 0.8 <= contrast <= 1.25:
                    value = np.sqrt(np.sqrt((u @ u) * (v @ v)) * (1 - r**2) / u.size)
                    if value < best:
                        best, where = value, (dy, dx)
        assert got == pytest.approx(best, rel=1e-4, abs=1e-3)
        if where is not None:
            assert (gy, gx) == where
    flat = images.reshape(12, -1).astype(float) / 255
    direct = np.linalg.norm(flat[pairs[:, 0]] - flat[pairs[:, 1]], axis=1)
    assert plain == pytest.approx(direct, rel=1e-4)  # the near-duplicate check's distance
    assert score[-1] < 5  # the copy: noise sigma 3
    assert score[:-1].min() > 50  # random images: nothing alike


def test_foreign_images_are_the_first_outliers():
    """Images of no class (blank, noise, an enlarged handwritten digit, a patch of a photograph)
    among real ones come first: on the full data 50 among 70,000 are at least 90% in the first
    100 (benchmarks/audit.py --foreign); here, scaled, 20 among 4,000 in the first 40."""
    require_real_data()
    rng = np.random.default_rng(11)
    images = read_idx(DEBIAN_DATA / "train-images-idx3-ubyte.gz")[:4000].copy()
    labels = read_idx(DEBIAN_DATA / "train-labels-idx1-ubyte.gz")[:4000].astype(np.int64)
    foreign, kinds = foreign_images(20, rng)
    at = rng.choice(4000, 20, replace=False)
    images[at] = foreign
    pool = Pool.of({"train": (images, labels)}, FASHION_MNIST_CLASSES)
    rows = CHECKS["outlier"].find(Context(pool, PARAMS))
    assert len(rows) == PARAMS.outliers == 40
    missed = [kind for kind, place in zip(kinds, at, strict=True) if place not in set(rows["index"])]
    print(f"outliers: {20 - len(missed)}/20 foreign images in the first 40; missed {missed}")
    assert len(missed) <= 2
    # the detail: the Mahalanobis distance from the nearest class, the score its inverse
    detail = rows["detail"].str.extract(r"^(\d+\.\d) from (.+)$")
    assert detail[1].isin(FASHION_MNIST_CLASSES).all()
    assert rows["score"].to_numpy() == pytest.approx(1 / detail[0].astype(float), rel=0.01)
    assert rows["score"].is_monotonic_increasing
    assert (rows["suggested_label"] == "").all()


def test_a_check_is_one_function_its_rows_counted_and_shown_whatever_its_kind(tmp_path):
    """Adding a check to the registry is all it takes: its rows are in the findings, its
    counts in the summary, its gallery drawn, its items on the review page."""
    from fmnist.audit.findings import image_gallery
    from fmnist.review.findings import image_items

    def brightest(context):
        flat = context.pool.images.reshape(len(context.pool.images), -1)
        at = np.argsort(-flat.mean(1))[:3]
        return image_rows(context.pool, at, "too_bright", -flat.mean(1)[at] / 255)

    check = Check("too_bright", pairs=False, find=brightest, title="the brightest images")
    labels = np.repeat(np.arange(3), 40)
    images = noise_images(120, 5)
    images[[7, 50, 99]] = 250
    pool = Pool.of(
        {"train": (images[:100], labels[:100]), "test": (images[100:], labels[100:])}, ("a", "b", "c")
    )
    audit = audit_pool(pool, PARAMS, {**CHECKS, "too_bright": check})
    rows = audit.findings[audit.findings["kind"] == "too_bright"]
    assert sorted(rows["index"].tolist()) == [7, 50, 99]
    assert audit.summary["too_brights"] == {"train": 3, "test": 0, "total": 3}
    image_gallery(audit.findings, pool, check, 5).savefig(tmp_path / "g.png")
    assert (tmp_path / "g.png").stat().st_size > 1000
    items = [i for i in image_items(audit.findings) if i.kind == "too_bright"]
    assert [i.images[0].index for i in items] and len(items) == 3


def corrections_file(tmp_path, rows):
    path = tmp_path / "corrections.csv"
    path.write_text("image,action,new_label,reason\n" + "".join(f"{r}\n" for r in rows))
    return path


def small_dataset():
    from fmnist.data.dataset import Dataset

    images = noise_images(6, seed=3)
    labels = np.array([0, 1, 2, 0, 1, 2])
    origins = np.array(["train"] * 4 + ["test"] * 2, dtype=object)
    names = np.array([f"i{k}" for k in range(6)], dtype=object)
    return Dataset(images, labels, ("a", "b", "c"), origins, names)


def test_corrections_relabel_and_drop_every_copy_of_an_image(tmp_path):
    from fmnist.data.content import image_ids
    from fmnist.data.corrections import apply_corrections, read_corrections

    data = small_dataset()
    ids = image_ids(data.images)
    path = corrections_file(
        tmp_path,
        [f"{ids[0]},relabel,c,looks like a c", f"{ids[5]},drop,,near-duplicate of a train image"],
    )
    fixed = apply_corrections(data, read_corrections(path), str(path))
    assert len(fixed) == 5 and ids[5] not in set(image_ids(fixed.images))
    assert fixed.labels.tolist() == [2, 1, 2, 0, 1]
    # the review's columns, and its keep decisions, which change nothing
    path.write_text(
        "image,action,new_label,reason,reviewer,time\n"
        f"{ids[0]},relabel,c,looks like a c,ann,2026-12-07T10:00:00Z\n"
        f"{ids[1]},keep,,reviewed: the label is right,bob,2026-12-07T10:01:00Z\n"
    )
    kept = apply_corrections(data, read_corrections(path), str(path))
    assert len(kept) == 6 and kept.labels.tolist() == [2, 1, 2, 0, 1, 2]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (["{0},relabel,c,x", "{0},drop,,y"], r"image \w+ is corrected twice \(lines 2, 3\)"),
        (
            ["0123456789abcdef,drop,,gone"],
            r"1 corrected image\(s\) are not in the data, e\.g\. 0123456789abcdef",
        ),
        (["{0},relabel,zebra,x"], r"new_label 'zebra' is not a class of the data \(a, b, c\)"),
        (["{0},rename,c,x"], r"line 2: action 'rename' is not relabel, drop or keep"),
        (["{0},relabel,,x"], r"line 2: relabel needs a new_label"),
        (["{0},keep,a,x"], r"line 2: keep takes no new_label \(got 'a'\)"),
        (["{0},relabel,c,"], r"line 2: every correction needs a reason"),
    ],
)
def test_bad_corrections_are_one_line_naming_the_row(tmp_path, rows, message):
    from fmnist.data.content import image_ids
    from fmnist.data.corrections import apply_corrections, read_corrections
    from fmnist.errors import DataError

    data = small_dataset()
    path = corrections_file(tmp_path, [row.format(image_ids(data.images)[0]) for row in rows])
    with pytest.raises(DataError, match=message):
        apply_corrections(data, read_corrections(path), str(path))


def test_audit_params_are_checked_up_front(params_file):
    from fmnist.errors import ParamsError
    from fmnist.params import load_params

    with pytest.raises(
        ParamsError,
        match=r"params\.yaml: audit\.folds = 1 is not allowed; expected an integer from 2 to 20$",
    ):
        load_params(params_file(audit={"folds": 1}))
    with pytest.raises(ParamsError, match=r"audit\.model = 'svm' is not allowed; expected one of"):
        load_params(params_file(audit={"model": "svm"}))
    with pytest.raises(ParamsError, match=r"audit\.shift_reach = 9 is not allowed"):
        load_params(params_file(audit={"shift_reach": 9}))


def test_data_without_duplicates_gets_its_galleries_and_zero_counts(tmp_path):
    from fmnist.audit.findings import closest_pairs_gallery, image_gallery

    labels = np.repeat(np.arange(3), 40)
    arrays = {
        "train": (noise_images(100, 1), labels[:100]),
        "test": (noise_images(20, 2), labels[100:]),
    }
    pool = Pool.of(arrays, ("a", "b", "c"))
    audit = audit_pool(pool, PARAMS)
    assert audit.summary["near_duplicate_pairs"]["total"] == 0
    assert audit.summary["exact_duplicate_pairs"]["total"] == 0
    assert audit.summary["shifted_duplicate_pairs"]["total"] == 0
    for figure in (
        image_gallery(audit.findings, pool, CHECKS["label_issue"], 5),
        closest_pairs_gallery(audit.findings, pool, 5, CHECKS),
    ):
        figure.savefig(tmp_path / "g.png")
        assert (tmp_path / "g.png").stat().st_size > 1000


def test_a_class_with_fewer_images_than_folds_is_named_in_one_line():
    labels = np.array([0] * 20 + [1] * 20 + [2] * 3)
    pool = Pool.of({"train": (noise_images(43, 3), labels)}, ("Coat", "Bag", "Sandal"))
    with pytest.raises(DataError) as error:
        audit_pool(pool, PARAMS)
    assert str(error.value) == (
        f"class 'Sandal' has 3 image(s), fewer than audit.folds = {PARAMS.folds}: "
        "lower audit.folds or add images"
    )


def test_the_cnn_scores_every_image_from_the_fold_that_did_not_train_on_it():
    """audit.model cnn: the study's LeNet trained per fold by the project's training code;
    every image's probabilities come from the model of the fold that held it out."""
    import dataclasses

    from fmnist.audit.probabilities import fold_cnn_params

    require_real_data()
    fold_cnn_params(6).validate()  # the fold recipe is a valid cnn section
    images = read_idx(DEBIAN_DATA / "train-images-idx3-ubyte.gz")[:1500]
    labels = read_idx(DEBIAN_DATA / "train-labels-idx1-ubyte.gz")[:1500].astype(np.int64)
    pool = Pool.of({"train": (images, labels)}, FASHION_MNIST_CLASSES)
    params = dataclasses.replace(PARAMS, model="cnn", folds=3, cnn_epochs=6)
    p = Context(pool, params).probabilities
    assert p.shape == (1500, 10) and np.allclose(p.sum(1), 1, atol=1e-3)
    accuracy = float((p.argmax(1) == labels).mean())
    print(f"fold CNN out-of-fold accuracy on 1,500 images: {accuracy:.3f}")
    assert accuracy > 0.65  # chance is 0.1
