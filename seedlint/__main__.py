from seedlint.launch import main

main()
