# The repository for task images. Valence tags an image with the content hash of its layers, so an
# unchanged classpath pushes nothing; old images are expired by count.

resource "aws_ecr_repository" "task" {
  name                 = var.aws_ecr_repo
  image_tag_mutability = "MUTABLE"
  force_delete         = var.force_destroy

  image_scanning_configuration {
    scan_on_push = true
  }

  encryption_configuration {
    encryption_type = "AES256"
  }
}

resource "aws_ecr_lifecycle_policy" "task" {
  repository = aws_ecr_repository.task.name

  policy = jsonencode({
    rules = [{
      rulePriority = 1
      description  = "keep the ${var.ecr_keep_images} most recent task images"
      selection = {
        tagStatus   = "any"
        countType   = "imageCountMoreThan"
        countNumber = var.ecr_keep_images
      }
      action = {
        type = "expire"
      }
    }]
  })
}
