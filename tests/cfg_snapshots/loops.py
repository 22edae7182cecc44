def f(model, seed):
    for layer in model.layers:
        if layer is None:
            continue
        if layer.frozen:
            break
        init(layer)
    else:
        finished()
    while True:
        if step():
            break
    return model
