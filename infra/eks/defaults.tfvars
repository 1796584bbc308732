# Input variables for `make deploy`. To change them, copy this file to infra/eks/.tfvars and edit
# the copy: the Makefile uses .tfvars when it exists (or pass TFVARS=path).

name          = "valence-eks"
aws_region    = "us-east-1"
aws_ecr_repo  = "valence-task"
aws_s3_bucket = "" # empty: a unique name starting with "valence-eks-data-"

data_store_prefix        = "valence"
artifact_expiration_days = 14

vpc_cidr       = "10.0.0.0/16"
instance_types = ["t3.medium"]
disk_size      = 20
min_size       = 1
max_size       = 3
desired_size   = 2

gpu_enabled        = false
gpu_instance_types = ["g4dn.xlarge"]

# IAM users who run the executor; each gets the executor policy and access to namespace "valence".
executor_user_names = []
