"""Launch the training job on SageMaker."""
import boto3
import sagemaker
from sagemaker.huggingface import HuggingFace

session = sagemaker.Session(boto_session=boto3.Session(region_name="ap-south-1"))

estimator = HuggingFace(
    entry_point="finetune_sentiment.py",
    instance_type="ml.p4d.24xlarge",
    instance_count=1,
    transformers_version="4.36",
    pytorch_version="2.1",
    py_version="py310",
    role="arn:aws:iam::123456789012:role/SageMakerRole",
    sagemaker_session=session,
)
estimator.fit({"train": "s3://my-bucket/imdb/train"})
