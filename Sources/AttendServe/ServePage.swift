// MARK: - The page (placeholder)
enum ServePage {
    static let html = "<!doctype html><title>attend</title>"
}
