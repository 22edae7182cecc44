def f(model, flag, seed):
    try:
        mx.random.seed(seed)
        if flag:
            return build(model)
    except ValueError:
        log("bad")
    except Exception:
        raise
    else:
        ok()
    finally:
        done()
    after()
