package quote

func Quote() string { return "q" }
