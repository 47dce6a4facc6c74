"""The data: IDX files, Fashion-MNIST facts, download sources, the seeded split."""
