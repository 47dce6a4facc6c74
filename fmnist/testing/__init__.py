"""What the tests and the benchmarks share, apart from the pipeline (no stage imports it):

- :mod:`~fmnist.testing.servers`: real S3 (SeaweedFS) and SSH (OpenSSH) servers on loopback;
- :mod:`~fmnist.testing.pictures`: families of people's pictures made from real test images.
"""
