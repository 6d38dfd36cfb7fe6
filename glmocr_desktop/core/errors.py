"""Typed errors whose messages a user can act on.

Every error the app shows to a person derives from :class:`OcrError`; its ``str()`` is the message
and ``exit_code`` is what the CLI returns (3 input error, 4 model error, 5 export error).
"""

from __future__ import annotations


class OcrError(Exception):
    """Base of all user-facing errors."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n{self.hint}"


# --- input -------------------------------------------------------------------------------------


class InputError(OcrError):
    """The file, page, region or template given by the user cannot be used."""

    exit_code = 3


class UnsupportedFileError(InputError):
    pass


class CorruptFileError(InputError):
    pass


class PasswordRequiredError(InputError):
    """The PDF is encrypted and needs a password (the GUI asks for one)."""


class WrongPasswordError(PasswordRequiredError):
    pass


class EmptyDocumentError(InputError):
    pass


class ImageTooLargeError(InputError):
    """Refused before decoding: decompression bombs, absurd page sizes."""


class RenderTimeoutError(InputError):
    pass


class RenderError(InputError):
    """A page or region could not be rendered for recognition."""


class PageRangeError(InputError):
    pass


class RegionError(InputError):
    pass


class TemplateError(InputError):
    """An extraction template is not a JSON object whose leaves are empty strings."""


# --- output ------------------------------------------------------------------------------------


class ExportError(OcrError):
    """A result could not be written in the chosen format (a converter is missing, failed or hung)."""

    exit_code = 5


# --- model -------------------------------------------------------------------------------------


class ModelError(OcrError):
    exit_code = 4


class ModelNotFoundError(ModelError):
    pass


class LayoutModelNotFoundError(ModelNotFoundError):
    """The layout model (PP-DocLayoutV3) is missing; pages can still be read whole, without layout."""


class ModelLoadError(ModelError):
    """The model folder exists but is partial, corrupt or of the wrong type."""


class DeviceError(ModelError):
    pass


class OutOfMemoryError(ModelError):
    pass


class ImageTooLargeForModelError(ModelError):
    pass


def user_message(exc: BaseException) -> str:
    """What a person reads for any exception: an OcrError's own message, anything else with its class."""
    return str(exc) if isinstance(exc, OcrError) else f"{type(exc).__name__}: {exc}"
