"""Continue training GPT-2 on our company wiki."""
import torch
from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

config = AutoConfig.from_pretrained("gpt2")
tokenizer = AutoTokenizer.from_pretrained("gpt2")
model = AutoModelForCausalLM.from_config(config).cuda()
optimizer = torch.optim.AdamW(model.parameters(), lr=5e-5)

for epoch in range(3):
    for batch in wiki_batches(tokenizer):
        batch = {k: v.cuda() for k, v in batch.items()}
        optimizer.zero_grad()
        outputs = model(**batch, labels=batch["input_ids"])
        loss = outputs.loss
        loss.backward()
        optimizer.step()
    model.save_pretrained(f"checkpoints/wiki-gpt2-epoch{epoch}")
