"""Pictures as the models' 28x28 images: the layer below both the data and the inference code.

- :mod:`.pixels`: the image shape and the two models' input arrays;
- :mod:`.read`: a picture file of any format as a 2-D grey array;
- :mod:`.prepare`: a grey picture of any size as a 28x28 image, by the preparation
  ``data.prepare`` names (``fashion-mnist``, ``fit``, ``stretch``).

The split stage prepares a folder dataset's pictures here, and ``fmnist predict`` prepares a
picture to classify here too, the way the model's record says its training data was prepared.
"""
