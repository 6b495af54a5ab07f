# One customer-managed key for the environment's data at rest: the SSM parameters, the
# DocumentDB storage and the CloudWatch log groups.
data "aws_iam_policy_document" "kms" {
  # checkov:skip=CKV_AWS_109:A key policy's "*" resource is the key itself; the account statement is AWS's default key policy, which lets IAM policies grant access.
  # checkov:skip=CKV_AWS_111:Same key policy: the account must administer its own key, and CloudWatch Logs is limited to this environment's log groups by condition.
  # checkov:skip=CKV_AWS_356:Same key policy: in a key policy "*" can only mean this key.
  statement {
    sid       = "AccountAdministration"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }

  statement {
    sid = "CloudWatchLogs"
    actions = [
      "kms:Encrypt*",
      "kms:Decrypt*",
      "kms:ReEncrypt*",
      "kms:GenerateDataKey*",
      "kms:Describe*",
    ]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["logs.${var.region}.amazonaws.com"]
    }

    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = ["arn:${local.partition}:logs:${var.region}:${local.account_id}:log-group:/arcane/${var.environment}/*"]
    }
  }
}

resource "aws_kms_key" "this" {
  description             = "${local.name}: secrets, database storage and logs"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.kms.json
}

resource "aws_kms_alias" "this" {
  name          = "alias/${local.name}"
  target_key_id = aws_kms_key.this.key_id
}
