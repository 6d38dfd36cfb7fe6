"""The one error the fast path raises on purpose: the engine catches it and runs stock generate."""


class FastDecodeUnavailable(RuntimeError):
    """The fast path cannot run here (no CUDA, capture failed, shape too large); use stock generate."""
