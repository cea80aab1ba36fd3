"""The error every refused step raises, at the bottom of the imports.

The workflow (reviews), the activities' one write path and the API's error
handler all use it; it depends on nothing.
"""


class TransitionNotAllowed(Exception):
    """A workflow step refused; nothing was changed.

    ``code`` says why: ``forbidden`` (the role may not), ``conflict`` (the
    state, the deadline or a concurrent change does not allow it) or
    ``invalid`` (the input is incomplete, e.g. a missing comment).
    """

    def __init__(self, message, code="conflict", field=None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field
