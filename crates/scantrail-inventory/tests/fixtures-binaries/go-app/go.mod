module example.com/app

go 1.19

require (
	example.com/greet v1.2.3
	example.com/quote v0.4.1
)

replace example.com/greet v1.2.3 => ../greet
