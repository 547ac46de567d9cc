package main

import (
	"example.com/greet"
	"example.com/quote"
)

func main() { println(greet.Hello(), quote.Quote()) }
