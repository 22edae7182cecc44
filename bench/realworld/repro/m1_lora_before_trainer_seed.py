# (missed) LoRA built with peft before Trainer.__init__ seeds from args.seed (trl 1.14.2).
# Nothing today; expected: SDL101 at get_peft_model.
from peft import get_peft_model
from transformers import Trainer


class MyTrainer(Trainer):
    def __init__(self, model, args, peft_config=None):
        if peft_config is not None:
            model = get_peft_model(model, peft_config)
        super().__init__(model=model, args=args)
