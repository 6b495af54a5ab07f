"""terraform/: every file parses (bc-python-hcl2) and is laid out as `terraform fmt` would lay it out.

No terraform binary is needed: the layout rules are two-space indentation by bracket depth, the
`=` of consecutive one-line arguments aligned with one space after it, no tab or trailing space,
and exactly one newline at the end.
"""

from pathlib import Path

import pytest

TERRAFORM = Path(__file__).resolve().parents[2] / "terraform"
FILES = sorted([*TERRAFORM.glob("*.tf"), *TERRAFORM.glob("*.tfvars")])
OPENERS = {"{": 1, "[": 1, "(": 1, "}": -1, "]": -1, ")": -1}
NOT_ASSIGNMENT = ("==", "=>", "<=", ">=", "!=")


def code_of(line: str) -> list[tuple[int, str]]:
    """The (column, character) pairs of a line outside strings and comments.

    An interpolation (`${` or `%{` ... `}`) inside a string counts as a pair of brackets, as in HCL.
    """
    code, frames, column = [], ["code"], 0  # frames: "code", "string", or an interpolation's brace depth
    while column < len(line):
        char, frame = line[column], frames[-1]
        if frame == "string":
            if char == "\\" or line.startswith(("$${", "%%{"), column):
                column += 3 if char != "\\" else 2
                continue
            if char == '"':
                frames.pop()
            elif line.startswith(("${", "%{"), column):
                code.append((column, "{"))
                frames.append(0)
                column += 2
                continue
        elif char == '"':
            frames.append("string")
        elif char == "#" or line.startswith("//", column):
            break
        else:
            if isinstance(frame, int) and char in "{}":
                if char == "}" and frame == 0:
                    frames.pop()
                else:
                    frames[-1] += 1 if char == "{" else -1
            code.append((column, char))
        column += 1
    return code


def assignment_column(line: str, code: list[tuple[int, str]]) -> int | None:
    """Column of the `=` of a one-line argument (`name = value`), as terraform fmt aligns them."""
    for index, (column, char) in enumerate(code):
        if (
            char != "="
            or line[column - 1 : column + 1] in NOT_ASSIGNMENT
            or line[column : column + 2] in NOT_ASSIGNMENT
        ):
            continue
        if not line[:column].strip():
            return None
        net = sum(OPENERS.get(other, 0) for _, other in code[index:])
        return column if net == 0 else None
    return None


def layout_problems(text: str) -> list[str]:
    """Where a file departs from terraform fmt's layout (indentation and `=` alignment)."""
    problems, depths, chain = [], [], []

    def close_chain():
        if chain:
            expected = max(len(line[:column].rstrip()) for _, line, column in chain) + 1
            problems.extend(
                f"line {number}: align `=` at column {expected + 1}"
                for number, line, column in chain
                if column != expected
            )
            chain.clear()

    for number, line in enumerate(text.split("\n"), start=1):
        if "\t" in line or line != line.rstrip():
            problems.append(f"line {number}: tab or trailing whitespace")
        if not line.strip():
            close_chain()
            continue
        code = code_of(line)
        net = sum(OPENERS.get(char, 0) for _, char in code)
        if net < 0:
            closed = -net
            while closed > 0 and depths:
                if closed >= depths[-1]:
                    closed -= depths.pop()
                else:
                    depths[-1] -= closed
                    closed = 0
        indent = len(line) - len(line.lstrip(" "))
        if indent != 2 * len(depths):
            problems.append(f"line {number}: indent {indent} spaces, terraform fmt uses {2 * len(depths)}")
        if net > 0:
            depths.append(net)
        column = assignment_column(line, code)
        if column is None:
            close_chain()
            continue
        if line[column + 1 : column + 2] != " " or line[column + 2 : column + 3] == " ":
            problems.append(f"line {number}: one space after `=`")
        chain.append((number, line, column))
    close_chain()
    if not text.endswith("\n") or text.endswith("\n\n"):
        problems.append("the file must end with exactly one newline")
    return problems


def test_there_are_terraform_files():
    assert len(FILES) > 10


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.name)
def test_the_file_follows_terraform_fmt(path):
    assert layout_problems(path.read_text()) == []


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.name)
def test_the_file_parses(path):
    hcl2 = pytest.importorskip("hcl2", reason="needs bc-python-hcl2 (requirements-dev.txt)")
    assert isinstance(hcl2.loads(path.read_text()), dict)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('locals {\n  a = 1\n  bb = "${x}"\n}\n', "line 2: align `=` at column 6"),
        ('locals {\n   a = "}"\n}\n', "line 2: indent 3 spaces, terraform fmt uses 2"),
        ("locals {\n  a =  1\n}\n", "line 2: one space after `=`"),
        ("locals {\n  a = 1 \n}\n", "line 2: tab or trailing whitespace"),
        ("locals {}\n\n", "the file must end with exactly one newline"),
    ],
)
def test_what_terraform_fmt_would_change_is_found(text, problem):
    assert problem in layout_problems(text)
