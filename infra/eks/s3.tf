# The bucket behind `data_store = "s3://<bucket>/<prefix>"`: private, encrypted, TLS only, and
# artifacts under the prefix expire after artifact_expiration_days.

resource "aws_s3_bucket" "data_store" {
  bucket        = var.aws_s3_bucket == "" ? null : var.aws_s3_bucket
  bucket_prefix = var.aws_s3_bucket == "" ? "${var.name}-data-" : null
  force_destroy = var.force_destroy
}

resource "aws_s3_bucket_public_access_block" "data_store" {
  bucket = aws_s3_bucket.data_store.id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "data_store" {
  bucket = aws_s3_bucket.data_store.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "data_store" {
  bucket = aws_s3_bucket.data_store.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "data_store" {
  bucket = aws_s3_bucket.data_store.id

  rule {
    id     = "expire-old-artifacts"
    status = "Enabled"

    filter {
      prefix = "${var.data_store_prefix}/"
    }

    expiration {
      days = var.artifact_expiration_days
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }
}

data "aws_iam_policy_document" "data_store_bucket" {
  statement {
    # A deny may use a wildcard: it takes away, it grants nothing.
    sid     = "DenyInsecureTransport"
    effect  = "Deny"
    actions = ["s3:*"]
    resources = [
      aws_s3_bucket.data_store.arn,
      "${aws_s3_bucket.data_store.arn}/*",
    ]

    principals {
      type        = "AWS"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "data_store" {
  bucket = aws_s3_bucket.data_store.id
  policy = data.aws_iam_policy_document.data_store_bucket.json

  depends_on = [aws_s3_bucket_public_access_block.data_store]
}
