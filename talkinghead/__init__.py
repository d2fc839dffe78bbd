"""Domain library of the talking-head system: media, face, audio, tracking, Gaussian
avatar, rasterizers, training and rendering. It imports no gRPC; the services in
`services/` are thin adapters over it."""

__version__ = "0.1.0"
