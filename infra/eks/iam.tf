# Least-privilege IAM for Valence:
#   - the task role (IRSA), assumed only by the task pods' service account: objects under the
#     data_store prefix, nothing else;
#   - the executor policy, for the people or machines running the executor: push and pull on the
#     one repository, objects under the prefix, and describing the cluster (for the kubeconfig).
# No statement grants a wildcard action; the only resource "*" is ecr:GetAuthorizationToken,
# which has no resource-level permission.

data "aws_partition" "current" {}

data "aws_caller_identity" "current" {}

locals {
  oidc_issuer     = replace(aws_eks_cluster.this.identity[0].oidc[0].issuer, "https://", "")
  data_store      = "s3://${aws_s3_bucket.data_store.id}/${var.data_store_prefix}"
  data_objects    = "${aws_s3_bucket.data_store.arn}/${var.data_store_prefix}/*"
  registry        = split("/", aws_ecr_repository.task.repository_url)[0]
  task_role_name  = "${var.name}-task"
  executor_policy = "${var.name}-executor"
}

# ---- task pods (IRSA) ----

data "aws_iam_policy_document" "task_assume" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [aws_iam_openid_connect_provider.eks.arn]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.oidc_issuer}:sub"
      values   = ["system:serviceaccount:${var.namespace}:${var.task_service_account}"]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.oidc_issuer}:aud"
      values   = ["sts.amazonaws.com"]
    }
  }
}

data "aws_iam_policy_document" "task" {
  # The launcher reads its input and writes its output.
  statement {
    sid       = "DataStoreObjects"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"]
    resources = [local.data_objects]
  }

  # Listing under the prefix only. Without an unconditional s3:ListBucket, HeadObject on a missing
  # key answers 403, not 404: a store checks existence by listing with the key as prefix.
  statement {
    sid       = "DataStoreList"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.data_store.arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = [var.data_store_prefix, "${var.data_store_prefix}/*"]
    }
  }
}

resource "aws_iam_role" "task" {
  name               = local.task_role_name
  assume_role_policy = data.aws_iam_policy_document.task_assume.json
}

resource "aws_iam_role_policy" "task" {
  name   = "data-store"
  role   = aws_iam_role.task.id
  policy = data.aws_iam_policy_document.task.json
}

# ---- the user running the executor ----

data "aws_iam_policy_document" "executor" {
  # Has no resource-level permission: "*" is the only resource it accepts.
  statement {
    sid       = "EcrLogin"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }

  statement {
    sid = "EcrPushPull"
    actions = [
      "ecr:DescribeRepositories",
      "ecr:DescribeImages",
      "ecr:BatchCheckLayerAvailability",
      "ecr:BatchGetImage",
      "ecr:GetDownloadUrlForLayer",
      "ecr:InitiateLayerUpload",
      "ecr:UploadLayerPart",
      "ecr:CompleteLayerUpload",
      "ecr:PutImage",
    ]
    resources = [aws_ecr_repository.task.arn]
  }

  # The executor writes inputs, reads outputs and deletes a dispatch's artifacts.
  statement {
    sid       = "DataStoreObjects"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"]
    resources = [local.data_objects]
  }

  statement {
    sid       = "DataStoreList"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.data_store.arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = [var.data_store_prefix, "${var.data_store_prefix}/*"]
    }
  }

  # `aws eks update-kubeconfig`; Kubernetes permissions come from infra/rbac.yaml.
  statement {
    sid       = "EksDescribe"
    actions   = ["eks:DescribeCluster"]
    resources = [aws_eks_cluster.this.arn]
  }
}

resource "aws_iam_policy" "executor" {
  name        = local.executor_policy
  description = "Runs the Valence executor against ${var.name}: ECR push/pull on ${var.aws_ecr_repo}, S3 under ${var.data_store_prefix}/, eks:DescribeCluster."
  policy      = data.aws_iam_policy_document.executor.json
}

resource "aws_iam_user_policy_attachment" "executor" {
  for_each = data.aws_iam_user.executor

  user       = each.value.user_name
  policy_arn = aws_iam_policy.executor.arn
}
