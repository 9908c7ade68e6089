#!/usr/bin/env python3
"""Prepare the benchmark corpora from Debian's `linux-source-6.1` package.

    bench/.corpus/linux       the whole kernel tree (about 80k files, 1.5 GB)
    bench/.corpus/linux-mid   the core without drivers/ arch/ sound/ tools/ Documentation/ (hard links)

Idempotent: each step checks whether it is already done and says what it did. The tree is
unpacked beside its final place and renamed into it, so an interrupted run leaves no half tree.

The package's top-level .gitignore ends with Debian's packaging block (`/*` then `!/debian/`...),
which ignores the whole tree for anything honouring .gitignore (ripgrep with --no-require-git,
and the appliance's walker): that block is dropped here, the kernel's own rules stay.

Why this mid subset: the kernel's core without drivers/, arch/, sound/, tools/ and
Documentation/ (85% of the tree, mostly more of the same C, or not C). It keeps the
most-referenced headers (include/), the core (kernel/, mm/, ipc/, init/, block/, lib/,
io_uring/, security/, crypto/) and two large subsystems with different code (fs/, net/):
about 11.8k files and 150 MB, indexed in a minute or two on 2 cores, and still large enough
for posting lists, the content cache and verification costs to show. Every file keeps its
path, so a query gives the same matches in both trees below these folders.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
CORPUS = BENCH / ".corpus"
TARBALL = Path("/usr/src/linux-source-6.1.tar.xz")
PACKAGE = "linux-source-6.1"
MID_DIRS = (
    "block", "crypto", "fs", "include", "init", "io_uring", "ipc", "kernel", "lib", "mm", "net", "security",
)
# Top-level files copied into the mid subset (their ignore rules apply to the subset as well).
MID_TOP_FILES = (".gitignore", "COPYING", "MAINTAINERS", "Makefile", "README")
DEBIAN_BLOCK_MARKERS = ("/*", "!/debian/")


def log(message: str) -> None:
    print(f"corpus: {message}", file=sys.stderr, flush=True)


def ensure_tarball() -> None:
    if TARBALL.exists():
        log(f"{TARBALL} present")
        return
    log(f"{TARBALL} missing: apt-get install -y {PACKAGE}")
    subprocess.run(["apt-get", "install", "-y", PACKAGE], check=True)
    if not TARBALL.exists():
        sys.exit(f"corpus: {PACKAGE} installed but {TARBALL} is still missing")


def unpack(dest: Path) -> None:
    if dest.is_dir():
        log(f"{dest} already unpacked")
        return
    tmp = dest.with_name(dest.name + ".partial")
    if tmp.exists():
        log(f"removing the leftover {tmp}")
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    started = time.monotonic()
    log(f"unpacking {TARBALL} into {dest} ...")
    # tar with xz is several times faster than tarfile; the archive holds one folder, linux-source-6.1/
    xz = "xz -T0" if shutil.which("xz") else "xz"
    subprocess.run(["tar", "-I", xz, "-xf", str(TARBALL), "-C", str(tmp), "--strip-components=1"], check=True)
    tmp.rename(dest)
    log(f"unpacked in {time.monotonic() - started:.0f}s")


def drop_debian_block(tree: Path) -> None:
    """Cut the top-level .gitignore at the Debian packaging block (the first line that is `/*`)."""
    gitignore = tree / ".gitignore"
    lines = gitignore.read_text().splitlines(keepends=True)
    stripped = [line.strip() for line in lines]
    if "/*" not in stripped:
        log(f"{gitignore}: no Debian packaging block (already dropped)")
        return
    cut = stripped.index("/*")
    # the block's own comment lines just above `/*` go too
    while cut > 0 and stripped[cut - 1].startswith("#"):
        cut -= 1
    dropped = [s for s in stripped[cut:] if s]
    if not any(m in dropped for m in DEBIAN_BLOCK_MARKERS[1:]):
        log(f"{gitignore}: warning: the block after `/*` does not look like Debian's: {dropped[:5]}")
    gitignore.write_text("".join(lines[:cut]).rstrip("\n") + "\n")
    log(f"{gitignore}: dropped the Debian packaging block ({len(dropped)} lines: {' '.join(dropped)})")


def make_mid(tree: Path, dest: Path) -> None:
    """Hard-link the subset's folders into `dest`; only the parts missing are made."""
    dest.mkdir(exist_ok=True)
    made = []
    for name in MID_TOP_FILES:
        if (tree / name).exists() and not (dest / name).exists():
            shutil.copy2(tree / name, dest / name)
            made.append(name)
    for name in MID_DIRS:
        if (dest / name).is_dir():
            continue
        partial = dest / (name + ".partial")
        if partial.exists():
            shutil.rmtree(partial)
        # cp -al: hard links (same inodes and mtimes, no extra space); -P copies symbolic links as links
        subprocess.run(["cp", "-alP", str(tree / name), str(partial)], check=True)
        partial.rename(dest / name)
        made.append(name + "/")
    log(f"{dest}: " + (f"made {' '.join(made)}" if made else "already complete"))


def tree_stats(tree: Path) -> dict[str, int]:
    """Regular files (symbolic links not followed) and their bytes, hidden files included."""
    files = size = 0
    for folder, _dirs, names in os.walk(tree):
        for name in names:
            path = os.path.join(folder, name)
            if not os.path.islink(path):
                files += 1
                size += os.path.getsize(path)
    return {"files": files, "bytes": size}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], epilog=__doc__.split("\n\n", 1)[1],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus-dir", type=Path, default=CORPUS, help="where the trees go (bench/.corpus)")
    parser.add_argument("--json", action="store_true", help="print the trees' file counts and sizes as JSON")
    args = parser.parse_args()
    ensure_tarball()
    args.corpus_dir.mkdir(parents=True, exist_ok=True)
    full = args.corpus_dir / "linux"
    mid = args.corpus_dir / "linux-mid"
    unpack(full)
    drop_debian_block(full)
    make_mid(full, mid)
    if (mid / ".gitignore").read_text() != (full / ".gitignore").read_text():
        shutil.copy2(full / ".gitignore", mid / ".gitignore")
        log(f"{mid}/.gitignore refreshed from the whole tree's")
    stats = {name: {"path": str(path), **tree_stats(path)} for name, path in (("full", full), ("mid", mid))}
    for name, s in stats.items():
        log(f"{name}: {s['path']}: {s['files']} files, {s['bytes'] / 1e6:.0f} MB (every regular file)")
    if args.json:
        print(json.dumps(stats, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
