resource "aws_docdb_subnet_group" "this" {
  name       = local.name
  subnet_ids = aws_subnet.private[*].id
}

resource "aws_docdb_cluster_parameter_group" "this" {
  name        = local.name
  family      = "docdb${substr(var.docdb_engine_version, 0, 3)}"
  description = "Arcane: TLS required, audit log on"

  parameter {
    name         = "tls"
    value        = "enabled"
    apply_method = "pending-reboot"
  }

  parameter {
    name         = "audit_logs"
    value        = "enabled"
    apply_method = "pending-reboot"
  }
}

resource "aws_docdb_cluster" "this" {
  cluster_identifier              = local.name
  engine                          = "docdb"
  engine_version                  = var.docdb_engine_version
  master_username                 = "arcane"
  master_password                 = random_password.database.result
  port                            = local.db_port
  db_subnet_group_name            = aws_docdb_subnet_group.this.name
  db_cluster_parameter_group_name = aws_docdb_cluster_parameter_group.this.name
  vpc_security_group_ids          = [aws_security_group.database.id]
  storage_encrypted               = true
  kms_key_id                      = aws_kms_key.this.arn
  backup_retention_period         = var.docdb_backup_retention_days
  preferred_backup_window         = "02:00-03:00"
  preferred_maintenance_window    = "sun:03:30-sun:04:30"
  deletion_protection             = var.deletion_protection
  skip_final_snapshot             = false
  final_snapshot_identifier       = "${local.name}-final"
  enabled_cloudwatch_logs_exports = ["audit", "profiler"]
}

resource "aws_docdb_cluster_instance" "this" {
  count = var.docdb_instance_count

  identifier                 = "${local.name}-${count.index}"
  cluster_identifier         = aws_docdb_cluster.this.id
  instance_class             = var.docdb_instance_class
  availability_zone          = local.azs[count.index % length(local.azs)]
  auto_minor_version_upgrade = true
}
