def f(model, kind):
    with contextlib.suppress(KeyError):
        first(model)
        second(model)
    match kind:
        case "lora":
            lora(model)
        case _:
            full(model)
