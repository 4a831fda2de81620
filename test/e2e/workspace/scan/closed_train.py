# Never opened by the suite: its findings reach the Problems panel only through "GreenML: Scan Workspace".
from transformers import TrainingArguments

args = TrainingArguments(output_dir="scan")
