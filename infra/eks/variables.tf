# Names from the seed plugin's infra where it has them: name, aws_region, aws_ecr_repo,
# aws_s3_bucket, vpc_cidr, instance_types, disk_size, min_size, max_size, desired_size.

variable "name" {
  description = "Name of the EKS cluster; also prefixes every other AWS resource."
  type        = string
  default     = "valence-eks"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,30}$", var.name))
    error_message = "name: lowercase letters, digits and '-', starting with a letter, at most 31 characters."
  }
}

variable "aws_region" {
  description = "AWS region of the cluster, the ECR repository and the S3 bucket (valence.toml: region)."
  type        = string
  default     = "us-east-1"
}

variable "aws_ecr_repo" {
  description = "ECR repository for task images (valence.toml: image_repo)."
  type        = string
  default     = "valence-task"
}

variable "aws_s3_bucket" {
  description = "S3 bucket for the data_store; empty means a new, unique name starting with '<name>-data-'."
  type        = string
  default     = ""
}

variable "data_store_prefix" {
  description = "Key prefix in the bucket under which Valence keeps payloads and results; the IAM policies grant this prefix only."
  type        = string
  default     = "valence"

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9._-]+)*$", var.data_store_prefix))
    error_message = "data_store_prefix: a key prefix such as 'valence' or 'team/valence', without leading or trailing '/'."
  }
}

variable "artifact_expiration_days" {
  description = "Days after which S3 deletes artifacts under the data_store prefix (left behind by keep_artifacts or a crashed executor)."
  type        = number
  default     = 14

  validation {
    condition     = var.artifact_expiration_days >= 1
    error_message = "artifact_expiration_days: at least 1."
  }
}

variable "ecr_keep_images" {
  description = "How many task images the ECR repository keeps; older ones are expired."
  type        = number
  default     = 50
}

variable "force_destroy" {
  description = "Let 'make clean' delete the bucket's objects and the repository's images along with them."
  type        = bool
  default     = true
}

variable "vpc_cidr" {
  description = "CIDR range of the VPC."
  type        = string
  default     = "10.0.0.0/16"
}

variable "az_count" {
  description = "Number of availability zones to spread subnets over (EKS needs at least 2)."
  type        = number
  default     = 2

  validation {
    condition     = var.az_count >= 2 && var.az_count <= 4
    error_message = "az_count: between 2 and 4."
  }
}

variable "kubernetes_version" {
  description = "Kubernetes version of the EKS control plane."
  type        = string
  default     = "1.33"
}

variable "cluster_endpoint_public_access_cidrs" {
  description = "CIDR ranges that may reach the cluster's public API endpoint."
  type        = list(string)
  default     = ["0.0.0.0/0"]
}

variable "ami_type" {
  description = "AMI type of the default node group."
  type        = string
  default     = "AL2023_x86_64_STANDARD"
}

variable "instance_types" {
  description = "EC2 instance types of the default node group."
  type        = list(string)
  default     = ["t3.medium"]
}

variable "disk_size" {
  description = "Root disk size per node, in GiB (Amazon Linux 2023 node AMIs need at least 20)."
  type        = number
  default     = 20
}

variable "min_size" {
  description = "Minimum number of nodes in the default node group."
  type        = number
  default     = 1
}

variable "max_size" {
  description = "Maximum number of nodes in the default node group."
  type        = number
  default     = 3
}

variable "desired_size" {
  description = "Desired number of nodes in the default node group when it is created."
  type        = number
  default     = 2
}

variable "gpu_enabled" {
  description = "Create a GPU node group (tainted nvidia.com/gpu=true:NoSchedule, labelled valence.dev/gpu=true)."
  type        = bool
  default     = false
}

variable "gpu_ami_type" {
  description = "AMI type of the GPU node group (NVIDIA drivers included)."
  type        = string
  default     = "AL2023_x86_64_NVIDIA"
}

variable "gpu_instance_types" {
  description = "EC2 instance types of the GPU node group."
  type        = list(string)
  default     = ["g4dn.xlarge"]
}

variable "gpu_disk_size" {
  description = "Root disk size per GPU node, in GiB."
  type        = number
  default     = 50
}

variable "gpu_min_size" {
  description = "Minimum number of nodes in the GPU node group."
  type        = number
  default     = 0
}

variable "gpu_max_size" {
  description = "Maximum number of nodes in the GPU node group."
  type        = number
  default     = 2
}

variable "gpu_desired_size" {
  description = "Desired number of nodes in the GPU node group when it is created."
  type        = number
  default     = 1
}

variable "namespace" {
  description = "Kubernetes namespace of Valence's Jobs (as in infra/rbac.yaml; valence.toml: namespace)."
  type        = string
  default     = "valence"
}

variable "task_service_account" {
  description = "Service account of the task pods, trusted by the IRSA role (as in infra/rbac.yaml; valence.toml: service_account)."
  type        = string
  default     = "valence-task"
}

variable "executor_group" {
  description = "Kubernetes group that the executor users map to; infra/rbac.yaml binds the executor Role to it."
  type        = string
  default     = "valence-executors"
}

variable "executor_user_names" {
  description = "IAM user names that run the executor: each gets the executor policy and an EKS access entry in executor_group."
  type        = list(string)
  default     = []
}

variable "tags" {
  description = "Tags added to every AWS resource."
  type        = map(string)
  default     = {}
}
