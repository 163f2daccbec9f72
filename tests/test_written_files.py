"""What ingest hands the build that follows it in the same run (IngestReport.fresh): the
hash and front matter of each file it wrote, never the text (at 50,000 files, 300 MB held
by ingest and by the build through its render). The build's parse workers read the texts
from the files themselves, so a file changed in between is built as it is on disk."""
import pickle
from datetime import datetime, timezone
from pathlib import Path

from buildkit import tree
from conftest import SOURCE_DATE_EPOCH, copy_sample
from newsdigest.build import build
from newsdigest.config import load_config
from newsdigest.ingest import ingest

NOW = datetime.fromtimestamp(int(SOURCE_DATE_EPOCH), timezone.utc)


def test_a_file_edited_between_ingest_and_the_build_is_built_as_it_is_on_disk(tmp_path):
    project = copy_sample(tmp_path / "project")
    config = load_config(project / "config.yaml")
    report = ingest(config)
    edited = Path(sorted(report.fresh)[3])
    text = edited.read_text(encoding="utf-8")
    assert text.count("\ntitle: ") == 1
    edited.write_text(text.replace("\ntitle: ", "\ntitle: Corrected ", 1), encoding="utf-8")
    build(config, now=NOW, fresh=report.fresh, listing=report.listing)
    pages = [p for p, data in tree(project / "site").items() if b"Corrected " in data and p.endswith("index.html")]
    assert len(pages) > 1 and any(p.count("/") == 4 for p in pages)  # its page, and lists that show it
    assert report.fresh[str(edited)][1] == edited.read_text(encoding="utf-8")

    # The hand-over is the files' hashes and front matter: a small fraction of their texts.
    texts = sum(len(Path(p).read_bytes()) for p in report.fresh)
    assert len(pickle.dumps(report.fresh)) < texts / 2
