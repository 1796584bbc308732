# The values to put in valence.toml; `make deploy` writes valence_toml to infra/valence.toml.

output "registry" {
  description = "valence.toml registry: the ECR registry host."
  value       = local.registry
}

output "image_repo" {
  description = "valence.toml image_repo: the ECR repository for task images."
  value       = aws_ecr_repository.task.name
}

output "data_store" {
  description = "valence.toml data_store: the bucket and prefix for payloads and results."
  value       = local.data_store
}

output "region" {
  description = "valence.toml region."
  value       = var.aws_region
}

output "k8s_context" {
  description = "valence.toml k8s_context: the kubeconfig context that make deploy writes (aws eks update-kubeconfig --alias)."
  value       = aws_eks_cluster.this.name
}

output "namespace" {
  description = "valence.toml namespace (created by infra/rbac.yaml)."
  value       = var.namespace
}

output "service_account" {
  description = "valence.toml service_account: the task pods' service account, trusted by the IRSA role."
  value       = var.task_service_account
}

output "cluster_name" {
  description = "Name of the EKS cluster."
  value       = aws_eks_cluster.this.name
}

output "task_role_arn" {
  description = "IRSA role of the task pods; make deploy annotates the service account with it."
  value       = aws_iam_role.task.arn
}

output "executor_policy_arn" {
  description = "IAM policy to attach to whoever runs the executor (done for executor_user_names)."
  value       = aws_iam_policy.executor.arn
}

output "account_id" {
  description = "AWS account of the stack."
  value       = data.aws_caller_identity.current.account_id
}

output "valence_toml" {
  description = "A valence.toml for this cluster."
  value       = <<-EOT
    # Written by `make deploy` (infra/Makefile) from the Terraform outputs of ${var.name}.
    [executors.k8s]
    k8s_context = "${aws_eks_cluster.this.name}"
    namespace = "${var.namespace}"
    service_account = "${var.task_service_account}"
    registry = "${local.registry}"
    image_repo = "${aws_ecr_repository.task.name}"
    data_store = "${local.data_store}"
    region = "${var.aws_region}"
  EOT
}
