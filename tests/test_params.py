import pytest
import yaml

from fmnist.errors import ParamsError
from fmnist.models.cnn import layer_filters
from fmnist.params import CnnParams, SvmParams, build_section, load_params
from fmnist.stage_runner import run_stage
from stages import split as split_stage
from tests.helpers import ROOT, project_params, raw_params, split_args


def cnn_section(**changes):
    return raw_params(cnn=changes)["cnn"]


def test_project_params_load_and_default_cnn_is_the_study_model():
    params = load_params(ROOT / "params.yaml")
    cnn = params.cnn
    assert (cnn.conv_layers, layer_filters(cnn), cnn.kernel_size) == (2, [32, 64], 3)
    assert (cnn.dense_units, cnn.optimizer) == (128, "adam")
    # the study's layers with the TPE search's best regularisation (trial tpe-23), unrounded
    assert (cnn.dropout, cnn.batch_size, cnn.label_smoothing, cnn.learning_rate) == (
        0.038458192224941665,
        64,
        0.18343552101401314,
        0.004274232906091852,
    )
    assert isinstance(params.svm, SvmParams) and params.base.seed == 42


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"dropuot": 0.1}, "unknown key cnn.dropuot; allowed keys in cnn: seed, arch, conv_layers"),
        ({"dropout": 1.5}, "cnn.dropout = 1.5 is not allowed; expected a number with 0 <= value < 1"),
        ({"dropout": "high"}, "cnn.dropout = 'high' is not allowed"),
        ({"epochs": 2.5}, "cnn.epochs = 2.5 is not allowed; expected an integer >= 1"),
        ({"epochs": True}, "cnn.epochs = True is not allowed"),
        (
            {"optimizer": "adamw"},
            "cnn.optimizer = 'adamw' is not allowed; expected one of 'adam', 'sgd', 'rmsprop'",
        ),
        ({"augment_flip": "yes"}, "cnn.augment_flip = 'yes' is not allowed; expected true or false"),
        (
            {"predict_flip_average": 1},
            "cnn.predict_flip_average = 1 is not allowed; expected true or false",
        ),
        (
            {"weight_decay": -0.1},
            "cnn.weight_decay = -0.1 is not allowed; expected a number with 0 (off) <= value <= 1",
        ),
        ({"kernel_size": 4}, "cnn.kernel_size = 4 is not allowed; expected an odd integer"),
        ({"filters": [32, 0]}, "cnn.filters = [32, 0] is not allowed"),
        (
            {"filters": [32]},
            "cnn.filters = [32] has 1 entries; expected one per layer (cnn.conv_layers = 2)",
        ),
    ],
)
def test_bad_cnn_values_name_key_value_and_allowed(changes, message):
    with pytest.raises(ParamsError) as err:
        build_section(CnnParams, "cnn", cnn_section(**changes))
    assert message in str(err.value)


def test_missing_key_is_refused():
    section = cnn_section()
    del section["epochs"]
    with pytest.raises(ParamsError, match=r"missing key cnn\.epochs"):
        build_section(CnnParams, "cnn", section)


@pytest.mark.parametrize(("layers", "kernel"), [(3, 7), (4, 3), (5, 1), (3, 9)])
def test_depth_or_kernel_that_empties_the_feature_map_is_refused(layers, kernel):
    with pytest.raises(ParamsError) as err:
        build_section(CnnParams, "cnn", cnn_section(conv_layers=layers, kernel_size=kernel))
    assert "cnn.conv_layers" in str(err.value) and "cnn.kernel_size" in str(err.value)


@pytest.mark.parametrize(("layers", "kernel"), [(1, 9), (2, 9), (3, 3), (4, 1)])
def test_depths_that_fit_28x28_are_accepted(layers, kernel):
    cnn = build_section(CnnParams, "cnn", cnn_section(conv_layers=layers, kernel_size=kernel))
    assert len(layer_filters(cnn)) == layers


def test_int_is_accepted_where_a_number_is_expected():
    cnn = build_section(CnnParams, "cnn", cnn_section(learning_rate=1))
    assert cnn.learning_rate == 1.0 and isinstance(cnn.learning_rate, float)


def test_svm_gamma_accepts_names_and_numbers_only():
    section = raw_params()["svm"]
    assert build_section(SvmParams, "svm", {**section, "gamma": 0.01}).gamma == 0.01
    with pytest.raises(
        ParamsError, match=r"svm\.gamma = 'big' is not allowed; expected 'scale', 'auto'"
    ):
        build_section(SvmParams, "svm", {**section, "gamma": "big"})
    with pytest.raises(
        ParamsError, match=r"svm\.kernel = 'sigmoid' is not allowed; expected one of 'rbf'"
    ):
        build_section(SvmParams, "svm", {**section, "kernel": "sigmoid"})


def test_unknown_section_and_bad_yaml(tmp_path):
    params = raw_params()
    params["trian"] = {}
    path = tmp_path / "other.yaml"
    path.write_text(yaml.safe_dump(params))
    with pytest.raises(ParamsError, match=f"^{path}: unknown section trian; allowed sections: base"):
        load_params(path)
    path.write_text("cnn: [unclosed")
    with pytest.raises(ParamsError, match="not valid YAML"):
        load_params(path)


def test_gate_rules_are_validated_item_by_item(params_file):
    path = params_file(
        gate={"rules": [{"file": "m.json", "key": "accuracy", "max_drop": -1, "min": 0.5}]}
    )
    with pytest.raises(
        ParamsError, match=r"gate\.rules\[0\]\.max_drop = -1 is not allowed; expected a number >= 0"
    ):
        load_params(path)


def test_stage_with_bad_params_exits_2_with_one_line_and_writes_nothing(
    raw_dir, tmp_path, params_file, capsys
):
    path = params_file(split={"val_fraction": 1.5})
    out, metrics = tmp_path / "split", tmp_path / "data.json"
    code = run_stage(
        split_stage.main,
        split_args(path, tmp_path),
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert err == [
        f"error: {path}: split.val_fraction = 1.5 is not allowed; expected a number with 0 < value < 1"
    ]
    assert not out.exists() and not metrics.exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"arch": "vgg"}, r"cnn\.arch = 'vgg' is not allowed; expected one of 'lenet', 'resnet'"),
        (
            {"resnet_blocks": []},
            r"cnn\.resnet_blocks = \[\] is not allowed; expected a list of 1 to 3",
        ),
        ({"resnet_blocks": [2, 0]}, r"cnn\.resnet_blocks = \[2, 0\] is not allowed"),
        ({"resnet_blocks": [1, 1, 1, 1]}, r"cnn\.resnet_blocks = \[1, 1, 1, 1\] is not allowed"),
        ({"resnet_width": 2}, r"cnn\.resnet_width = 2 is not allowed; expected an integer from 4"),
    ],
)
def test_architecture_params_are_validated(changes, message):
    with pytest.raises(ParamsError, match=message):
        project_params(cnn=changes)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"warmup_epochs": -1},
            "cnn.warmup_epochs = -1 is not allowed; expected a number >= 0 (0 = off), less than cnn.epochs",
        ),
        (
            {"warmup_epochs": 2, "epochs": 2},
            "cnn.warmup_epochs = 2.0 is not allowed; expected less than cnn.epochs = 2",
        ),
        (
            {"warmup_epochs": 1, "lr_schedule": "constant"},
            "cnn.warmup_epochs = 1.0 needs cnn.lr_schedule = 'cosine' (got 'constant'); use 0 for no warm-up",
        ),
    ],
)
def test_warmup_is_validated_against_the_schedule_and_the_epochs(changes, message):
    with pytest.raises(ParamsError) as error:
        build_section(CnnParams, "cnn", cnn_section(**changes))
    assert str(error.value) == message


def test_dvc_rewrites_the_committed_params_file_byte_for_byte(tmp_path):
    """`dvc exp run -S` rewrites params.yaml (ruamel, through OmegaConf): every list comes back
    in block style, and comments or blank lines between a list and the next key are dropped.
    A file in another style would show as modified after every experiment."""
    from dvc.utils.hydra import apply_overrides

    from tests.helpers import ROOT

    copy = tmp_path / "params.yaml"
    copy.write_text((ROOT / "params.yaml").read_text())
    apply_overrides(copy, ["cnn.seed=42", "svm.C=10.0"])  # what -S does, values unchanged
    assert copy.read_text() == (ROOT / "params.yaml").read_text()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"prepare": "crop"},
            "data.prepare = 'crop' is not allowed; expected one of 'fashion-mnist', 'fit', 'stretch'",
        ),
        ({"invert": "x"}, "data.invert = 'x' is not allowed; expected one of 'auto', 'yes', 'no'"),
        ({"conflicts": "keep"}, "data.conflicts = 'keep' is not allowed; expected one of 'refuse'"),
    ],
)
def test_bad_data_values_name_key_value_and_allowed(changes, message):
    with pytest.raises(ParamsError, match="^" + message.replace("(", r"\(").replace(")", r"\)")):
        project_params(data=changes)


def test_an_unquoted_yes_or_no_is_the_choice_it_reads_as():
    assert project_params(data={"invert": yaml.safe_load("yes")}).data.invert == "yes"
    assert project_params(data={"invert": yaml.safe_load("no")}).data.invert == "no"
