"""``handouts init FILE``: write a commented starter assignment to edit.

The starter is a shipped example copied byte for byte (by default the
tanh/MSE one, whose comments explain every field), so it parses as written
and there is one source for it.
"""

from __future__ import annotations

from pathlib import Path

from derive.files import write_atomic
from derive.problem.assignment import SHIPPED, shipped
from derive.problem.spec import InputError

STARTER = "tanh-mse"


def register(sub) -> None:
    p = sub.add_parser("init", help="write a commented starter assignment (TOML) to edit")
    p.add_argument("file", metavar="FILE", help="where to write it, e.g. my-assignment.toml")
    p.add_argument("--example", metavar="NAME", default=STARTER, choices=SHIPPED,
                   help=f"which shipped example to start from: {', '.join(SHIPPED)} "
                        f"(default: {STARTER}, commented field by field)")
    p.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    p.set_defaults(func=run)


def run(args) -> int:
    path = Path(args.file)
    if path.is_dir():
        raise InputError("FILE", f"{path} is a folder; name the file to write")
    if path.exists() and not args.force:
        raise InputError("FILE", f"{path} exists; pass --force to overwrite it")
    if not path.parent.is_dir():
        raise InputError("FILE", f"{path.parent}: no such folder")
    write_atomic(path, shipped(args.example).read_bytes())
    print(f"wrote {path} (the {args.example} example); edit it, then check it with "
          f"`handouts key --assignment {path}`")
    return 0
