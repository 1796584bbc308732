terraform {
  required_version = ">= 1.5.0"

  required_providers {
    # 5.90 or later: EKS access entries and the AL2023 NVIDIA node AMI type.
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.90"
    }
    # Reads the thumbprint of the cluster's OIDC issuer for IRSA.
    tls = {
      source  = "hashicorp/tls"
      version = "~> 4.0"
    }
  }
}

provider "aws" {
  region = var.aws_region

  default_tags {
    tags = merge(var.tags, {
      "valence.dev/stack" = var.name
    })
  }
}
