"""Fine-tunes a causal language model: opened by the e2e suite for diagnostics, hover and settings."""
from transformers import AutoModelForCausalLM, Trainer, TrainingArguments

model = AutoModelForCausalLM.from_pretrained("gpt2-xl")
args = TrainingArguments(output_dir="o")
trainer = Trainer(model=model, args=args)
trainer.train()
