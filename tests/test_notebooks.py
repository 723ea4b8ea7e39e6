"""The notebooks in notebooks/: written by notebooks/make.py, run top to bottom (nbclient, a real
kernel, no network), and what each cell ends with reads right where no script runs."""

import importlib.util
import json
import shutil
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="nbformat is in the dev extra")
nbclient = pytest.importorskip("nbclient", reason="nbclient is in the dev extra")

NOTEBOOKS = Path(__file__).parent.parent / "notebooks"
PATHS = sorted(NOTEBOOKS.glob("*/*.ipynb"))
PICTURE_KINDS = ("image/svg+xml", "text/html")


def make():
    spec = importlib.util.spec_from_file_location("make_notebooks", NOTEBOOKS / "make.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_notebooks_are_the_ones_make_py_writes():
    written = make().written()
    assert sorted(written) == PATHS and len(PATHS) == 10  # five lessons, two languages
    for path, text in written.items():
        assert path.read_text(encoding="utf-8") == text, f"run python notebooks/make.py ({path})"


def test_every_notebook_starts_by_installing_microgradjp_only_when_missing():
    for path in PATHS:
        first = nbformat.read(path, as_version=4).cells[0]
        assert first.cell_type == "code" and 'find_spec("microgradjp") is None' in first.source
        if make().home() is None:  # no public home yet: no link to an invented one
            assert "http" not in json.dumps(nbformat.read(path, as_version=4))


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """Return {path: the notebook run top to bottom}, each in its own kernel."""
    folder = tmp_path_factory.mktemp("notebooks")
    done = {}
    for path in PATHS:
        book = nbformat.read(path, as_version=4)
        nbclient.NotebookClient(book, timeout=120, kernel_name="python3",
                                resources={"metadata": {"path": str(folder)}}).execute()
        done[path] = book
    return done


def outputs(book):
    return [output for cell in book.cells if cell.cell_type == "code" for output in cell.outputs]


@pytest.mark.slow
@pytest.mark.parametrize("path", PATHS, ids=lambda path: f"{path.parent.name}/{path.stem}")
def test_a_notebook_runs_top_to_bottom_and_says_what_python_says(path, executed):
    shown = outputs(executed[path])
    assert not [output for output in shown if output.output_type == "error"]
    # No warning on stderr; fit's progress bar may be there, on a run past a second.
    assert not [output for output in shown if output.get("name") == "stderr"
                and not all(line.startswith("fit:") for line in output.text.split("\r")
                            if line.strip())]
    for output in shown:
        text = output.get("data", {}).get("text/plain", "")
        assert len(text) < 300 and " at 0x" not in text, text  # short, no object address
        if any(kind in output.get("data", {}) for kind in PICTURE_KINDS):
            # A picture that needs no script: an <img> of SVG inside the HTML.
            assert '<img alt="' in output.data["text/html"]
            assert "data:image/svg+xml;base64," in output.data["text/html"]


@pytest.mark.slow
def test_what_the_lessons_end_with(executed):
    by_name = {f"{path.parent.name}/{path.stem}": outputs(book) for path, book in executed.items()}
    for language in ("en", "ja"):
        apple = [o for o in by_name[f"{language}/01_apple_graph"] if "data" in o]
        assert [o.data["text/plain"] for o in apple] == [
            "Value(data=220.00000000000003, grad=0.0, label='支払金額')",
            "Value(data=220.00000000000003, grad=1.0, label='支払金額')"]
        assert ">りんご<" in apple[1].data["image/svg+xml"] and "@font-face" in apple[1].data[
            "image/svg+xml"]  # its Japanese glyphs go with it
        printed = "".join(o.get("text", "") for o in by_name[f"{language}/01_apple_graph"])
        assert printed == "2.2 110.00000000000001 200.0\n"
        player = next(o for o in by_name[f"{language}/03_step_through_backward"] if "data" in o)
        assert player.data["text/plain"] == "<Player: 8 frames, forward and backward through f>"
        history = next(o for o in by_name[f"{language}/04_mlp_training_player"] if "data" in o)
        assert history.data["text/plain"] == ("<History: 30 epochs, loss 0.9232 to 0.05031, "
                                              "accuracy 100%, recorded for the training player>")
        check = by_name[f"{language}/05_check_your_backprop"]
        assert check[0].data["text/plain"] == "True"
        assert "every gradient is off by the same factor 0.5" in check[1].text


def no_script_page(book):
    """Return the notebook's outputs as a page, each in the richest kind a front end that runs
    no script shows (HTML, else SVG, else text), as nbconvert's HTML does."""
    parts = []
    for output in outputs(book):
        data = output.get("data", {})
        if "text/html" in data:
            parts.append(f"<div>{data['text/html']}</div>")
        elif "image/svg+xml" in data:
            parts.append(f"<div>{data['image/svg+xml']}</div>")
    return ("<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>"
            f"{''.join(parts)}</body></html>")


@pytest.mark.slow
@pytest.mark.browser
def test_with_scripts_off_every_picture_still_shows(executed, tmp_path):
    # A reopened, untrusted notebook, GitHub or nbconvert's HTML with scripts off: the stills
    # load and show; the players' pages, which need their scripts, stay hidden.
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is in the dev extra")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or shutil.which("chromium-browser")
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--window-size=1200,800"):
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'profile'}")
    options.add_experimental_option(
        "prefs", {"profile.managed_default_content_settings.javascript": 2})
    driver = webdriver.Chrome(service=Service(executable_path=shutil.which("chromedriver")),
                              options=options)
    try:
        for path, book in executed.items():
            page = tmp_path / f"{path.parent.name}-{path.stem}.html"
            page.write_text(no_script_page(book), encoding="utf-8")
            driver.get(page.as_uri())
            images = driver.find_elements("css selector", "img")
            pictures = sum(any(kind in o.get("data", {}) for kind in PICTURE_KINDS)
                           for o in outputs(book))
            assert len(images) == pictures, path
            for image in images:
                assert image.is_displayed() and driver.execute_script(
                    "return arguments[0].complete && arguments[0].naturalWidth", image) > 100
            assert not [b for b in driver.find_elements("css selector", "button")
                        if b.is_displayed()]  # no dead player buttons
    finally:
        driver.quit()
