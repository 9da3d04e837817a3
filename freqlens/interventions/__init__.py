"""Interventions change a model or its training: augmentation, adversarial training, kernel smoothing,
post-averaging. Training-time ones are ``batch_transform(model, x, y) -> (x, y)`` callables for
:func:`freqlens.train.fit`."""
