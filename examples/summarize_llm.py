"""Summarise support tickets with a local 7B instruction-tuned model."""
from transformers import AutoModelForCausalLM, AutoTokenizer

CHECKPOINT = "mistralai/Mistral-7B-Instruct-v0.2"

tokenizer = AutoTokenizer.from_pretrained(CHECKPOINT)
model = AutoModelForCausalLM.from_pretrained(CHECKPOINT, device_map="auto")
model.eval()


def summarize(ticket: str) -> str:
    prompt = f"Summarise this support ticket in one sentence:\n{ticket}\n"
    inputs = tokenizer(prompt, return_tensors="pt").to(model.device)
    output = model.generate(**inputs, max_new_tokens=60)
    return tokenizer.decode(output[0], skip_special_tokens=True)


def score(texts):
    inputs = tokenizer(texts, return_tensors="pt", padding=True).to(model.device)
    logits = model(**inputs).logits
    return logits.softmax(-1)


if __name__ == "__main__":
    print(summarize("The export button does nothing when the report has more than 1000 rows."))
