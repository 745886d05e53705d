"""click's and typer's own messages in German: usage line, errors, help option, prompts.

typer (0.29) runs on its own copy of click, `typer._click`, whose messages are English
f-strings, not gettext calls; only `typer.core` and `typer.rich_utils` ask gettext (`_`). So
the catalogue has two parts:

- MESSAGES: whole message ids, as gettext is asked for them (typer.core's `_`, the constants of
  typer's rich panels, the help option's text);
- PATTERNS: regular expressions for the composed messages (with names, values, suggestions),
  applied to the finished text where it leaves: every click exception's `format_message`, the
  `echo` of exceptions and prompts, and the usage line's prefix.

Text the catalogue does not know stays English. `install()` is idempotent and cheap: it imports
nothing typer has not loaded already; `typer.rich_utils` (rich, 60 ms) is patched the moment
typer imports it for an error or a help page.
"""

from __future__ import annotations

import functools
import gettext
import re
import sys
from collections.abc import Callable
from types import ModuleType
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from importlib.abc import Loader

MESSAGES = {
    # typer.core
    "Missing command.": "Fehlender Befehl.",
    "No such command {name!r}.": "Unbekannter Befehl {name!r}.",
    "Aborted!": "Abgebrochen!",
    "required": "Pflicht",
    "default: {default}": "Standard: {default}",
    "env var: {var}": "Umgebungsvariable: {var}",
    "(dynamic)": "(dynamisch)",
    "Arguments": "Argumente",
    "Options": "Optionen",
    "Commands": "Befehle",
    # typer.rich_utils
    "(deprecated) ": "(veraltet) ",
    "[default: {}]": "[Standard: {}]",
    "[env var: {}]": "[Umgebungsvariable: {}]",
    "[required]": "[Pflicht]",
    "Error": "Fehler",
    "Aborted.": "Abgebrochen.",
    "Try [blue]'{command_path} {help_option}'[/] for help.": (
        "Hilfe: [blue]'{command_path} {help_option}'[/]"
    ),
    # typer._click
    "Usage: ": "Aufruf: ",
    "Show this message and exit.": "Diese Hilfe zeigen und beenden.",
}

# typer.rich_utils reads these module constants when it prints.
RICH_CONSTANTS = (
    "DEPRECATED_STRING",
    "DEFAULT_STRING",
    "ENVVAR_STRING",
    "REQUIRED_LONG_STRING",
    "ARGUMENTS_PANEL_TITLE",
    "OPTIONS_PANEL_TITLE",
    "COMMANDS_PANEL_TITLE",
    "ERRORS_PANEL_TITLE",
    "ABORTED_TEXT",
    "RICH_HELP",
)

PATH_KINDS = {"file": "Datei", "dir": "Verzeichnis", "directory": "Verzeichnis", "path": "Pfad"}
QUOTED = r"(?P<name>'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")"


def _path(state: str) -> Callable[[re.Match[str]], str]:
    return lambda match: f"{PATH_KINDS[match['kind']]} {match['name']} {state}"


# Applied in order, each to the whole text; a message may hold several (a bad value's frame and
# its reason). Specific before general.
PATTERNS: list[tuple[str, str | Callable[[re.Match[str]], str]]] = [
    # frame: ClickException.show, UsageError.show, prompts
    (r"Try '(?P<command>[^'\n]*)' for help\.", r"Hilfe: '\g<command>'"),
    (r"Error: invalid input", "Fehler: ungültige Eingabe"),
    (
        r"Error: The two entered values do not match\.",
        "Fehler: Die Eingaben stimmen nicht überein.",
    ),
    (r"Error: The value you entered was invalid\.", "Fehler: Die Eingabe ist ungültig."),
    (r"(?m)^Error: ", "Fehler: "),
    (r"Repeat for confirmation", "Zur Bestätigung wiederholen"),
    # parser and commands
    (r"^No such option: ", "Unbekannte Option: "),
    (r"\(Possible options: (?P<options>[^)]*)\)", r"(Meinten Sie: \g<options>?)"),
    (r"^No such command ", "Unbekannter Befehl "),
    (r"Did you mean (?P<names>.+?)\?", r"Meinten Sie \g<names>?"),
    (r"^Missing command\.", "Fehlender Befehl."),
    (
        r"^Got unexpected extra argument\(s\) \((?P<args>.*)\)",
        r"Unerwartete zusätzliche Argumente: \g<args>",
    ),
    (r"^Option " + QUOTED + r" requires an argument\.", r"Option \g<name> braucht einen Wert."),
    (
        r"^Option " + QUOTED + r" requires (?P<n>\d+) arguments\.",
        r"Option \g<name> braucht \g<n> Werte.",
    ),
    (r"^Option " + QUOTED + r" does not take a value\.", r"Option \g<name> nimmt keinen Wert."),
    (
        r"^Argument " + QUOTED + r" takes (?P<n>\d+) values\.",
        r"Argument \g<name> braucht \g<n> Werte.",
    ),
    # missing and invalid values
    (r"^Missing argument\b", "Fehlendes Argument"),
    (r"^Missing option\b", "Fehlende Option"),
    (r"^Missing parameter\b", "Fehlender Parameter"),
    (r"Choose from:", "Zur Auswahl:"),
    (r"^Invalid value for (?P<hint>.+?): ", r"Ungültiger Wert für \g<hint>: "),
    (r"^Invalid value: ", "Ungültiger Wert: "),
    (r"Value error, ", ""),
    (
        QUOTED.replace("name", "value") + r" is not one of (?P<choices>.*)\.$",
        r"\g<value> ist nicht zulässig; möglich: \g<choices>.",
    ),
    (
        r"Value (?P<value>.+) is not a valid (?P<type>\w+)\.",
        r"Wert \g<value> passt nicht zum Typ \g<type>.",
    ),
    (
        r"Input should be a valid integer, unable to parse string as an integer",
        "keine ganze Zahl",
    ),
    (
        r"Input should be a valid integer, got a number with a fractional part",
        "keine ganze Zahl (Nachkommastellen)",
    ),
    (r"Input should be a valid integer", "keine ganze Zahl"),
    (r"Input should be a valid number, unable to parse string as a number", "keine Zahl"),
    (r"Input should be a valid number", "keine Zahl"),
    (
        r"Input should be a valid boolean, unable to interpret input",
        "kein Wahrheitswert (true/false, yes/no, 1/0)",
    ),
    (r"Input should be greater than or equal to (?P<n>\S+)", r"muss mindestens \g<n> sein"),
    (r"Input should be less than or equal to (?P<n>\S+)", r"darf höchstens \g<n> sein"),
    (r"Input should be greater than (?P<n>\S+)", r"muss größer als \g<n> sein"),
    (r"Input should be less than (?P<n>\S+)", r"muss kleiner als \g<n> sein"),
    # paths and files
    (
        r"\b(?P<kind>file|dir|directory|path) " + QUOTED + r" does not exist\.",
        _path("gibt es nicht."),
    ),
    (r"\b(?P<kind>file|dir|directory|path) " + QUOTED + r" is a file\.", _path("ist eine Datei.")),
    (
        r"\b(?P<kind>file|dir|directory|path) " + QUOTED + r" is a directory\.",
        _path("ist ein Verzeichnis."),
    ),
    (
        r"\b(?P<kind>file|dir|directory|path) " + QUOTED + r" is not readable\.",
        _path("ist nicht lesbar."),
    ),
    (
        r"\b(?P<kind>file|dir|directory|path) " + QUOTED + r" is not writable\.",
        _path("ist nicht beschreibbar."),
    ),
    (r"^Could not open file " + QUOTED + r": ", r"Datei \g<name> lässt sich nicht öffnen: "),
    (r"unknown error$", "unbekannter Fehler"),
    (r": No such file or directory$", ": Datei oder Verzeichnis nicht gefunden"),
    (r": Is a directory$", ": ist ein Verzeichnis"),
    (r": Permission denied$", ": keine Berechtigung"),
]


class GermanCatalogue(gettext.NullTranslations):
    """A gettext catalogue from MESSAGES, plus `translate` for composed messages (PATTERNS)."""

    def __init__(self) -> None:
        super().__init__()
        self.messages = MESSAGES

    @functools.cached_property
    def patterns(self) -> list[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]]]:
        """Compiled when the first message is translated, not at start-up."""
        return [(re.compile(pattern), german) for pattern, german in PATTERNS]

    def gettext(self, message: str) -> str:
        return self.messages.get(message, message)

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        return self.gettext(msgid1 if n == 1 else msgid2)

    def translate(self, text: str) -> str:
        for pattern, german in self.patterns:
            text = pattern.sub(german, text)
        return text


@functools.cache
def catalogue() -> GermanCatalogue:
    return GermanCatalogue()


def install() -> None:
    """Let typer and its click speak German in this process (again: no harm)."""
    from typer import _click, core, exceptions
    from typer._click import decorators, formatting, termui

    german = catalogue()
    core._ = german.gettext
    for module in (_click.exceptions, termui):
        _wrap(module, "echo", _echo)
    for cls in (
        exceptions.TyperException,
        *_exceptions(_click.exceptions, exceptions.TyperException),
    ):
        if "format_message" in vars(cls):
            _wrap(cls, "format_message", _format_message)
    _wrap(formatting.HelpFormatter, "write_usage", _write_usage)
    _wrap(decorators, "help_option", _help_option)
    rich_utils = sys.modules.get("typer.rich_utils")
    if rich_utils is not None:
        _patch_rich(rich_utils)
    elif not any(isinstance(finder, _RichFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, _RichFinder())


def _exceptions(module: ModuleType, base: type) -> list[type]:
    return [
        value
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, base)
    ]


def _wrap(owner: Any, name: str, make: Callable[[Any], Any]) -> None:
    original = getattr(owner, name)
    if getattr(original, "__german__", False):
        return
    wrapper = functools.wraps(original)(make(original))
    setattr(wrapper, "__german__", True)  # noqa: B010  (a function's own attribute)
    setattr(owner, name, wrapper)


def _format_message(original: Callable[[Any], str]) -> Callable[[Any], str]:
    return lambda self: catalogue().translate(original(self))


def _echo(original: Callable[..., Any]) -> Callable[..., Any]:
    def echo(message: Any = None, *args: Any, **kwargs: Any) -> Any:
        if isinstance(message, str):
            message = catalogue().translate(message)
        return original(message, *args, **kwargs)

    return echo


def _write_usage(original: Callable[..., None]) -> Callable[..., None]:
    def write_usage(self: Any, prog: str, args: str = "", prefix: str | None = None) -> None:
        original(self, prog, args, catalogue().gettext("Usage: ") if prefix is None else prefix)

    return write_usage


def _help_option(original: Callable[..., Any]) -> Callable[..., Any]:
    def help_option(*args: Any, **kwargs: Any) -> Callable[[Any], Any]:
        decorate = original(*args, **kwargs)

        def apply(command: Any) -> Any:
            command = decorate(command)
            option = command.params[-1]
            option.help = catalogue().gettext(option.help)
            return command

        return apply

    return help_option


def _patch_rich(rich_utils: ModuleType) -> None:
    german = catalogue()
    for name in RICH_CONSTANTS:
        setattr(rich_utils, name, german.gettext(getattr(rich_utils, name)))
    usage = german.gettext("Usage: ")
    highlights = rich_utils.OptionHighlighter.highlights
    highlights[:] = [h.replace("(?P<usage>Usage: )", f"(?P<usage>{usage})") for h in highlights]


class _RichFinder:
    """Patches typer.rich_utils right after typer imports it (only for errors and help)."""

    def find_spec(self, name: str, path: Any, target: Any = None) -> Any:
        if name != "typer.rich_utils":
            return None
        from importlib.machinery import PathFinder

        spec = PathFinder.find_spec(name, path)
        if spec is not None and spec.loader is not None:
            spec.loader = cast("Loader", _ThenPatch(spec.loader))
        return spec


class _ThenPatch:
    """A module loader that patches the module after it has run."""

    def __init__(self, loader: Any) -> None:
        self.loader = loader

    def __getattr__(self, name: str) -> Any:
        return getattr(self.loader, name)

    def create_module(self, spec: Any) -> Any:
        return self.loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        self.loader.exec_module(module)
        _patch_rich(module)
