"""Domain errors, defined once. The service runtime maps each to one gRPC status code
(services/runtime/errors.py); domain code raises these and never imports grpc."""


class AvatarError(Exception):
    """Base of every error the domain raises on purpose. Its message is shown to clients,
    so it names the problem and never leaks internals (paths of the server, stack)."""


class InvalidInputError(AvatarError, ValueError):
    """The caller's input is wrong: bad media, bad id, bad parameter. -> INVALID_ARGUMENT"""


class NotFoundError(AvatarError, LookupError):
    """An id (dataset, artifact, job, avatar) names nothing. -> NOT_FOUND"""


class AlreadyExistsError(AvatarError):
    """Creating something that exists already. -> ALREADY_EXISTS"""


class FailedPreconditionError(AvatarError):
    """The request is valid but the system is not in the state it needs, e.g. a dataset
    that has not been processed yet. -> FAILED_PRECONDITION"""


class ResourceExhaustedError(AvatarError):
    """Out of capacity: GPU memory, session slots, queue, size limits. -> RESOURCE_EXHAUSTED"""


class IntegrityError(AvatarError):
    """Stored data failed its checksum or is truncated. -> DATA_LOSS"""


class CancelledError(AvatarError):
    """Work stopped because the caller cancelled it. -> CANCELLED"""


class NotImplementedYetError(AvatarError, NotImplementedError):
    """A capability whose implementation belongs to a later stage of the product.
    -> UNIMPLEMENTED, with a message naming what is missing."""
