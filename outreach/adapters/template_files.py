"""Message templates on disk: templates/messages/<language>/<name>.txt."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from outreach.core.template_source import TemplateFormatError, split_template
from outreach.errors import NotFoundError, TemplateError

if TYPE_CHECKING:  # Jinja2 is loaded with the first template compiled, not by every command
    from outreach.core.rendering import CompiledTemplate

TEMPLATE_SUFFIX = ".txt"


class TemplateLibrary:
    """Finds, reads and compiles templates, each once; errors name the file and line."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._compiled: dict[tuple[str, str], CompiledTemplate] = {}
        self._listed: dict[str, list[str]] | None = None  # inside steady(): listings kept

    @contextmanager
    def steady(self) -> Iterator[None]:
        """Within the block, each template's languages are listed from disk once.

        A planning batch composes hundreds of messages: one listing serves them all, and a
        language added meanwhile is seen by the next batch.
        """
        self._listed = {}
        try:
            yield
        finally:
            self._listed = None

    def path(self, name: str, language: str) -> Path:
        """Where the template of that name and language lives (whether or not it exists)."""
        return self.root / language / f"{name}{TEMPLATE_SUFFIX}"

    def languages(self, name: str) -> list[str]:
        """Languages that have a template of this name, sorted."""
        if self._listed is not None and name in self._listed:
            return list(self._listed[name])
        if not _is_plain_name(name) or not self.root.is_dir():
            return []
        found = sorted(
            folder.name for folder in self.root.iterdir() if (folder / f"{name}.txt").is_file()
        )
        if self._listed is not None:
            self._listed[name] = list(found)
        return found

    def names(self) -> list[str]:
        """Every template name in any language, sorted."""
        if not self.root.is_dir():
            return []
        return sorted({path.stem for path in self.root.glob(f"*/*{TEMPLATE_SUFFIX}")})

    def load(self, name: str, language: str) -> CompiledTemplate:
        """The compiled template, or TemplateError naming file and line."""
        key = (name, language)
        if key not in self._compiled:
            self._compiled[key] = self._compile(name, language)
        return self._compiled[key]

    def require(self, name: str) -> list[str]:
        """Languages of a template that must exist; NotFoundError lists what does."""
        languages = self.languages(name)
        if not languages:
            known = ", ".join(self.names()) or "none"
            raise NotFoundError(
                f"no template named {name!r} in {self.root} (expected {self.root}/LANG/"
                f"{name}{TEMPLATE_SUFFIX}); templates there: {known}"
            )
        return languages

    def _compile(self, name: str, language: str) -> CompiledTemplate:
        from outreach.core.rendering import CompiledTemplate, TemplateProblem

        path = self.path(name, language)
        try:
            content = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as exc:
            raise TemplateError(f"{path}: not valid UTF-8 ({exc.reason})") from None
        except OSError as exc:
            raise TemplateError(f"{path}: cannot read: {exc.strerror}") from None
        try:
            return CompiledTemplate(split_template(content))
        except TemplateFormatError as exc:
            raise TemplateError(f"{path}:{exc.line}: {exc.reason}") from None
        except TemplateProblem as exc:
            raise TemplateError(f"{path}:{exc.line or 1}: {exc.reason}") from None


def _is_plain_name(name: str) -> bool:
    # A template name is a file name, never a path: "../../etc/passwd" finds nothing.
    return bool(name) and "/" not in name and "\\" not in name and not name.startswith(".")
