"""Generates the Python code for the proto contract into gen/ and its API reference into
docs/api.md (``make proto``).

``--check`` regenerates into a scratch folder and fails when gen/ or docs/api.md differs:
generated code is committed (so a plain ``pip install .`` needs no protoc), and neither may
ever be stale.
"""

from __future__ import annotations

import argparse
import filecmp
import shutil
import sys
import tempfile
from importlib import resources
from pathlib import Path

from google.protobuf import descriptor_pb2
from grpc_tools import protoc

sys.path.insert(0, str(Path(__file__).resolve().parent))
import apidoc  # noqa: E402 - a module beside this script

ROOT = Path(__file__).resolve().parent.parent
PROTOS = ROOT / "protos"
GEN = ROOT / "gen"
API_DOC = ROOT / "docs" / "api.md"
DESCRIPTORS = "descriptors.binpb"


def generate(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    sources = sorted(str(p.relative_to(PROTOS)) for p in PROTOS.rglob("*.proto"))
    if not sources:
        raise SystemExit("no .proto files under protos/")
    include = str(resources.files("grpc_tools") / "_proto")
    args = ["protoc", f"-I{PROTOS}", f"-I{include}", f"--python_out={out}",
            f"--pyi_out={out}", f"--grpc_python_out={out}", "--include_source_info",
            f"--descriptor_set_out={out / DESCRIPTORS}", *sources]
    if protoc.main(args) != 0:
        raise SystemExit("protoc failed")
    # Regular packages all the way down, so both editable and normal installs find them.
    for folder in [out / "aicmo", *(p for p in (out / "aicmo").rglob("*") if p.is_dir())]:
        init = folder / "__init__.py"
        if not init.exists():
            init.write_text('"""Generated from protos/ by tools/protogen.py; do not edit."""\n')


def api_reference(out: Path) -> str:
    """docs/api.md as the protos generated into ``out`` make it."""
    descriptors = descriptor_pb2.FileDescriptorSet.FromString((out / DESCRIPTORS).read_bytes())
    return apidoc.render(descriptors)


def differences(left: Path, right: Path) -> list[str]:
    found: list[str] = []

    def walk(cmp: filecmp.dircmp, prefix: str) -> None:
        found.extend(f"{prefix}{name} (only in gen/)" for name in cmp.left_only
                     if name != "__pycache__")
        found.extend(f"{prefix}{name} (missing from gen/)" for name in cmp.right_only
                     if name != "__pycache__")
        _, mismatch, errors = filecmp.cmpfiles(cmp.left, cmp.right, cmp.common_files,
                                               shallow=False)
        found.extend(f"{prefix}{name} (differs)" for name in mismatch + errors)
        for name, sub in cmp.subdirs.items():
            if name != "__pycache__":
                walk(sub, f"{prefix}{name}/")

    walk(filecmp.dircmp(left, right), "")
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true",
                        help="fail if gen/ is not what the protos generate")
    args = parser.parse_args()
    if args.check:
        with tempfile.TemporaryDirectory() as scratch:
            generate(Path(scratch))
            stale = differences(GEN / "aicmo", Path(scratch) / "aicmo")
            reference = api_reference(Path(scratch))
        if not API_DOC.exists() or API_DOC.read_text(encoding="utf-8") != reference:
            stale.append("../docs/api.md (differs)")
        if stale:
            print("gen/ or docs/api.md is stale; run 'make proto' and commit the result:",
                  file=sys.stderr)
            for line in stale:
                print(f"  {line}", file=sys.stderr)
            return 1
        print("gen/ and docs/api.md match protos/")
        return 0
    # Generate aside, then update gen/ file by file: a reader never sees gen/ half-empty.
    with tempfile.TemporaryDirectory() as scratch:
        generate(Path(scratch))
        API_DOC.parent.mkdir(exist_ok=True)
        API_DOC.write_text(api_reference(Path(scratch)), encoding="utf-8")
        fresh = Path(scratch) / "aicmo"
        current = GEN / "aicmo"
        for source in fresh.rglob("*"):
            target = current / source.relative_to(fresh)
            if source.is_dir():
                target.mkdir(parents=True, exist_ok=True)
            elif not target.exists() or not filecmp.cmp(source, target, shallow=False):
                shutil.copyfile(source, target)
        for target in sorted(current.rglob("*"), reverse=True):
            if "__pycache__" in target.parts:
                continue
            if not (fresh / target.relative_to(current)).exists():
                shutil.rmtree(target) if target.is_dir() else target.unlink()
    print(f"generated {sum(1 for _ in (GEN / 'aicmo').rglob('*.py'))} modules into gen/ "
          f"and the API reference into {API_DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
